"""Discord's side of programme events: the port the events cog implements (Discord Scheduled Events, the
server's announcement, each person's message), what crosses it (one claimed message to send) and how an online
event held in one of the server's voice channels is written (``<#channel id>``). No discord import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.services.programmes import Programme
from bot.services.scheduled_dms import Posted, SendOutcome
from storage.models import EventMessageKind, ProgrammeEvent

VOICE = re.compile(r"^<#([0-9]+)>$")  # an event in one of the server's voice channels


@dataclass(frozen=True)
class EventDelivery:
    """One claimed message, ready to send to one person (by DM; with DMs closed, in a private thread only they
    see, beside their pair's space when they have one)."""

    row_id: int
    event_id: int
    kind: EventMessageKind
    discord_user_id: int
    text: str
    buttons: str  # "rsvp", "feedback" or ""
    attempts: int
    programme: Programme
    person_id: int
    dm_channel_id: int | None = None
    dms_closed: bool = False
    space_id: int | None = None

    @property
    def marker(self) -> str:
        return f"ref:ev{self.row_id}"

    @property
    def held(self) -> tuple[tuple[int, int], ...]:
        return ((self.row_id, self.attempts),)

    @property
    def grouped(self) -> bool:
        return False

    def only(self, row_ids: set[int]) -> EventDelivery:
        return self


class EventsPort(Protocol):
    """Discord's side of events (implemented by the events cog)."""

    async def create(self, programme: Programme, event: ProgrammeEvent) -> int: ...

    async def set_status(self, programme: Programme, discord_event_id: int, status: str) -> None: ...

    async def interested(self, programme: Programme, discord_event_id: int) -> set[int]: ...

    async def announce(self, programme: Programme, event: ProgrammeEvent, text: str) -> None: ...

    async def send(self, delivery: EventDelivery) -> SendOutcome: ...

    async def find_sent(self, delivery: EventDelivery) -> Posted | None: ...

    async def tell_organisers(self, programme: Programme, text: str) -> None: ...


def voice_channel(event: ProgrammeEvent) -> int | None:
    """The voice channel an online event is held in (None: a link, or in person)."""
    found = VOICE.match(event.location)
    return int(found.group(1)) if found else None
