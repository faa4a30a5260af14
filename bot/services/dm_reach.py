"""Whether to try a person's DMs: closed DMs are remembered, but not forever. No discord import.

When a person's DMs are found closed (Discord's 403), their messages go elsewhere — a private thread only they
see, or for a check-in their pair's space — and the organisers are told once. People do open their DMs again,
so once :data:`RETRY_AFTER` has passed since the DMs were last found closed, the next message tries the DM
first: if it gets through, the flag is cleared and the organisers told once; if it is refused, the message goes
where it always went and the DM waits another :data:`RETRY_AFTER`. That is at most one refused DM a week per
person: Discord treats a bot whose DMs keep failing as a spammer. A person who writes to the bot in its DMs
has their DMs tried at their very next message.

Every send records what it learnt through :class:`DmReach`: the scheduled messages in their shared dispatcher
(:mod:`bot.services.scheduled_dms`), the one-off messages (the goals invitation, the match-end notice, the story
offer, the pair's link, the partner's end-request prompt, why someone is not in the round just matched, a
mentee's new goals to a pod mentor, the end of a break, an organiser's reminder to a pair with no space, the news
that an account is linked) in ``send_privately`` / ``remember_reach`` of ``cogs.kit.messaging`` (a service reads
a :class:`Recipient` with the person) — a refused DM marks
the person closed, a DM that gets through after they were marked clears it, and each change is told to the
organisers once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import Person
from storage.queries import people
from storage.queries.onboarding import known_dm_channel

RETRY_AFTER = timedelta(days=7)


def dms_closed_now(person: Person, now: datetime) -> bool:
    """True: skip the DM and go straight to the fallback (their DMs were found closed less than
    :data:`RETRY_AFTER` ago). False: try the DM — open, or closed long enough ago to try again."""
    if not person.dms_closed:
        return False
    return person.dms_closed_at is not None and now - person.dms_closed_at < RETRY_AFTER


@dataclass(frozen=True)
class Recipient:
    """What a one-off private message needs to reach one person (``send_privately`` of ``cogs.kit.messaging``),
    read with the person: who they are, their DM channel when known, the reach rule's answer now
    (:func:`dms_closed_now`: True skips the DM) and whether their row carries the closed mark (a DM that gets
    through then clears it)."""

    person_id: int
    discord_user_id: int
    dm_channel_id: int | None
    dms_closed: bool
    dms_marked: bool


async def recipient(session: AsyncSession, person: Person, now: datetime) -> Recipient | None:
    """How to reach ``person`` privately now (None: they have no Discord account)."""
    if person.discord_user_id is None:
        return None
    pid = require_id(person)
    return Recipient(pid, person.discord_user_id, await known_dm_channel(session=session, person_id=pid),
                     dms_closed_now(person, now), person.dms_closed)


def reopened_notice(programme: Programme, discord_user_id: int | None) -> str:
    """What the organisers are told, once, when DMs found closed reach the person again, in the programme's
    voice (``dms_reopened``)."""
    return programme.config.messages().say("dms_reopened", person=f"<@{discord_user_id}>",
                                           programme=programme.config.name)



def closed_notice(programme: Programme, discord_user_id: int | None) -> str:
    """What the organisers are told, once, when a person's DMs are first found closed (whichever feature found
    it: every feature reaches them the same way from then on), in the programme's voice (``closed_dms``)."""
    return programme.config.messages().say("closed_dms", person=f"<@{discord_user_id}>",
                                            programme=programme.config.name)


class DmReach:
    """What a send learnt about a person's DMs, remembered: one mechanism for every kind of message."""

    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def refused(self, programme: Programme, person_id: int, discord_user_id: int | None) -> str | None:
        """Their DM was refused (closed DMs): remembered, with when. The organisers' notice when this call
        found them open (one of two processes finding it at once), else None (already known: only the date
        of the refusal moves, so the next try waits another :data:`RETRY_AFTER`)."""
        async with transaction(self._sessions) as session:
            changed = await people.mark_dms_closed(session=session, person_id=person_id, now=self._clock.now())
        return closed_notice(programme, discord_user_id) if changed else None

    async def reached(self, programme: Programme, person_id: int, discord_user_id: int | None) -> str | None:
        """Their DM got through: a closed mark is cleared. The organisers' notice when this call cleared it,
        else None (they were not marked, or another process cleared it first). A write: callers call it only for
        a person whose row carried the mark when they read it (``Person.dms_closed``), so the DM that gets
        through to everyone else — nearly everyone — costs nothing."""
        async with transaction(self._sessions) as session:
            changed = await people.mark_dms_closed(session=session, person_id=person_id, now=self._clock.now(),
                                                   closed=False)
        return reopened_notice(programme, discord_user_id) if changed else None
