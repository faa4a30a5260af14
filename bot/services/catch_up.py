"""Catch-up: members who joined a programme's guild while the bot could not see it (its process or shard was
down: Discord does not deliver those joins again). No discord import.

On start and on a gateway resume the bot lists the guild's members; those with no person row in the programme
who joined after the later of the programme's start and the previous catch-up are welcomed (once: the welcome
creates their person row). Each pass moves the mark to when it began (whole seconds, rounded down: a join in
the same second is still looked at), and a pass that welcomed someone is written to the audit log as
``members.caught_up``. Someone who joined before the mark and has no row because they used ``/leave`` is left
alone: leaving moves the mark past their join. Joins the bot sees live do not move the mark: a join whose
welcome never made its row (the process died, the database was down) is welcomed by the next pass, even when
later joins were welcomed first. Members whose welcome was cut short after the row (their interview exists but
never reached them: no conversation channel) are welcomed too, whenever they joined — with DMs known closed, in a
private thread (the reach rule of :mod:`bot.services.dm_reach`: no DM tried within the week).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.clock import Clock
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.models import OnboardingSession, OnboardingStatus, Person, PersonStatus
from storage.models import Programme as ProgrammeRow
from storage.queries import audit, people

CAUGHT_UP = "members.caught_up"
SEEN_MARK = "members_seen_until"  # epoch seconds: joins up to here were looked at (a pass, a /leave)


class CatchUp:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def since(self, programme: Programme) -> datetime | None:
        """Members who joined after this and have no row are the ones the bot missed."""
        async with self._sessions() as s:
            row = await s.get(ProgrammeRow, programme.id)
            marks = await audit.audit_events_since(session=s, programme_id=programme.id, actions=(CAUGHT_UP,))
            seen = await people.get_mark(session=s, programme_id=programme.id, name=SEEN_MARK)
        times = [t for t in ([row.created_at] if row else []) + [e.created_at for e in marks[-1:]] if t]
        if seen:
            times.append(datetime.fromtimestamp(seen, UTC))
        return max(times) if times else None

    async def to_welcome(self, programme: Programme, members: Iterable[tuple[int, datetime | None]]) -> list[int]:
        """The Discord ids among ``members`` (id, joined_at) to welcome now, in the order they joined."""
        since = await self.since(programme)
        if since is None:
            return []
        async with self._sessions() as s:
            known = set(await s.exec(select(Person.discord_user_id).where(Person.programme_id == programme.id)))
            unreached = set(await s.exec(
                select(Person.discord_user_id).join(OnboardingSession, col(OnboardingSession.person_id) == Person.id)
                .where(Person.programme_id == programme.id, OnboardingSession.programme_id == programme.id,
                       col(OnboardingSession.channel_id).is_(None),
                       OnboardingSession.status == OnboardingStatus.IN_PROGRESS,
                       Person.status != PersonStatus.LEFT)))
        missed = [(joined, uid) for uid, joined in members
                  if (uid not in known and joined is not None and joined > since) or uid in unreached]
        return [uid for _, uid in sorted(missed, key=lambda m: (m[0] or since, m[1]))]

    async def record(self, programme: Programme, started_at: datetime, welcomed: int) -> None:
        """The pass that began at ``started_at`` is done (joins after it reach the bot as events)."""
        async with transaction(self._sessions) as s:
            await people.raise_mark(session=s, programme_id=programme.id, name=SEEN_MARK,
                                    value=math.floor(started_at.timestamp()))
            if welcomed:  # the audit log has the catch-ups that welcomed someone
                await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=None,
                                            action=CAUGHT_UP, detail={"welcomed": welcomed}, now=started_at)
