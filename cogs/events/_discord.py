"""Discord's side of programme events (the service's ``EventsPort``): Scheduled Events, who is interested,
the start announcement and the DMs with their buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.services.events import EventDelivery, voice_channel
from bot.services.programmes import Programme
from bot.services.scheduled_dms import Posted, SendOutcome
from cogs._common import find_circle
from cogs.events._views import delivery_view
from cogs.kit.messaging import (
    NO_PINGS,
    find_personal,
    guild_text_channel,
    once_nonce,
    send_personal,
    tell_organisers,
)
from storage.models import EventAudience, ProgrammeEvent

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
_STATUS = {"active": 2, "completed": 3, "cancelled": 4}


class DiscordEvents:
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def create(self, programme: Programme, event: ProgrammeEvent) -> int:
        description = f"{event.kind.replace('_', ' ').title()} · {programme.config.name}"
        channel = voice_channel(event)
        where: dict[str, Any] = {"entity_type": 2, "channel_id": channel} if channel else {
            "entity_type": 3, "entity_metadata": {"location": event.location[:100]}}
        data = await self.bot.http.create_guild_scheduled_event(
            programme.guild_id, name=event.title[:100], privacy_level=2,
            scheduled_start_time=event.starts_at.isoformat(), scheduled_end_time=event.ends_at.isoformat(),
            description=description[:1000], reason="programme event", **where)
        return int(data["id"])

    async def set_status(self, programme: Programme, discord_event_id: int, status: str) -> None:
        try:
            await self.bot.http.edit_scheduled_event(programme.guild_id, discord_event_id, status=_STATUS[status])
        except discord.HTTPException as exc:  # moved by hand in Discord, or deleted: ours is the record
            log.warning("could not set event %s to %s: %s", discord_event_id, status, exc)

    async def interested(self, programme: Programme, discord_event_id: int) -> set[int]:
        out: set[int] = set()
        after = 0
        while True:
            page = await self.bot.http.get_scheduled_event_users(programme.guild_id, discord_event_id, limit=100,
                                                                 with_member=False, after=after)
            ids = [int(str(dict(u).get("user_id") or u["user"]["id"])) for u in page]
            out.update(ids)
            if len(ids) < 100:
                return out
            after = max(ids)

    async def announce(self, programme: Programme, event: ProgrammeEvent, text: str) -> None:
        wanted = programme.config.events.announce_channel
        channel: discord.abc.Messageable | None = None
        if wanted:
            channel = await guild_text_channel(self.bot, programme.guild_id, wanted)
        elif event.audience == EventAudience.MENTORS:
            guild = self.bot.get_guild(programme.guild_id)
            channel = find_circle(guild, programme) if guild is not None else None
        if channel is None:
            await tell_organisers(self.bot, programme, text)
            return
        await self.bot.pacer_send(channel, content=text[:2000], allowed_mentions=NO_PINGS)

    async def send(self, d: EventDelivery) -> SendOutcome:
        kwargs: dict[str, Any] = {"content": f"{d.text}\n-# {d.marker}"[:2000], "allowed_mentions": NO_PINGS,
                                  "nonce": once_nonce(d.marker)}
        view = delivery_view(d)
        if view is not None:
            kwargs["view"] = view
        return await send_personal(self.bot, d, "about an event", **kwargs)

    async def find_sent(self, d: EventDelivery) -> Posted | None:
        return await find_personal(self.bot, d, {d.marker: d.row_id}, limit=30)

    async def tell_organisers(self, programme: Programme, text: str) -> None:
        await tell_organisers(self.bot, programme, text)
