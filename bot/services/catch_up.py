"""Catch-up: members who joined a programme's guild while the bot could not see it (its process or shard was
down: Discord does not deliver those joins again). No discord import.

On start and on a gateway resume the bot lists the guild's members; those with no person row in the programme
who joined after the later of the programme's start and the mark are welcomed (once: the welcome creates their
person row). Each pass moves the mark to a minute before it began, in whole seconds (:data:`IN_FLIGHT`): a join
whose event was still on its way when the pass listed the members is looked at again by the next pass, should
its live welcome die with the process before the person's row. A pass that welcomed someone is written to the
audit log as ``members.caught_up`` (its time is not a mark: only a database from before the mark existed reads
it as one). Joins the bot sees live do not move the mark: a join whose welcome never made its row (the process
died, the database was down) is welcomed by the next pass, even when later joins were welcomed first.

Someone who used ``/leave`` but is still in the guild has no row either: their leave keeps the instant they joined
(:func:`storage.queries.people.remember_left_join`; no id, no name), and no pass welcomes the member who joined
then; once a pass's mark is past it, it is forgotten. Leaving never moves the mark (that would pass over everyone
else who joined before and whose welcome is still owed), except when the leaver's join time is unknown.

Members whose welcome was cut short after the row (their interview exists but never reached them: no
conversation channel) are welcomed too, whenever they joined — with DMs known closed, in a private thread (the
reach rule of :mod:`bot.services.dm_reach`: no DM tried within the week).

While the process stays up, a live welcome that fails (the database was down for a moment, Discord answered 5xx,
any exception) is not left to the next start: the join is remembered here (:meth:`CatchUp.failed`) and a pass
runs soon after and then every few minutes until it is welcomed (the periodic job skips its pass when no welcome
failed: listing a guild of thousands every few minutes for nothing is waste). A live welcome under way is
remembered too (:meth:`CatchUp.welcoming`): a pass leaves that member to it, and no pass moves the mark past the
join of a welcome under way or failed. Who welcomes a member who had no row is decided by the row: whoever
creates their conversation sends the welcome; the other (a pass that raced the live join, or another process)
finds it made since they joined and sends nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.queries import audit, people, programmes

CAUGHT_UP = "members.caught_up"
SEEN_MARK = "members_seen_until"  # epoch seconds: joins up to here were looked at (a pass)
#: how far a pass's mark stays behind its start: a join event can still be on its way to the bot when the pass
#: lists the guild's members (Discord delivers events late under load; a resume replays them)
IN_FLIGHT = timedelta(minutes=1)


@dataclass(frozen=True)
class Owed:
    """A member a pass welcomes: one who had no row (``cut_short`` False: welcomed only if the pass makes their
    row), or one whose welcome was cut short after it (their interview is shown to them again)."""

    discord_id: int
    cut_short: bool


class CatchUp:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        # this process's live welcomes, by (programme id, Discord id): when the member joined
        self._under_way: dict[tuple[int, int], datetime | None] = {}
        self._failed: dict[tuple[int, int], datetime | None] = {}
        self._passes_failed: set[int] = set()  # programme ids whose last pass failed before it was recorded

    @contextmanager
    def welcoming(self, programme: Programme, discord_id: int, joined_at: datetime | None) -> Iterator[None]:
        """A live welcome is under way (a pass leaves this member to it)."""
        key = (programme.id, discord_id)
        self._under_way[key] = joined_at
        try:
            yield
        finally:
            self._under_way.pop(key, None)

    def under_way(self, programme: Programme, discord_id: int) -> bool:
        return (programme.id, discord_id) in self._under_way

    def failed(self, programme: Programme, discord_id: int, joined_at: datetime | None) -> None:
        """A live welcome failed: a pass is owed (see :meth:`owed`)."""
        self._failed[(programme.id, discord_id)] = joined_at

    def pass_failed(self, programme: Programme) -> None:
        """A pass failed before it was recorded (the database was down): another is owed."""
        self._passes_failed.add(programme.id)

    def owed(self, programme: Programme) -> bool:
        """Whether a welcome or a pass failed in this process and no pass has made up for it yet."""
        return programme.id in self._passes_failed or any(pid == programme.id for pid, _ in self._failed)

    async def since(self, programme: Programme) -> datetime | None:
        """Members who joined after this and have no row are the ones the bot missed."""
        async with self._sessions() as s:
            row = await programmes.get_programme(session=s, key=programme.key)
            seen = await people.get_mark(session=s, programme_id=programme.id, name=SEEN_MARK)
            # a database from before the mark: its last audited pass stands for it
            marks = [] if seen is not None else await audit.audit_events_since(
                session=s, programme_id=programme.id, actions=(CAUGHT_UP,))
        times = [t for t in ([row.created_at] if row else []) + [e.created_at for e in marks[-1:]] if t]
        if seen is not None:
            times.append(datetime.fromtimestamp(seen, UTC))
        return max(times) if times else None

    async def to_welcome(self, programme: Programme, members: Iterable[tuple[int, datetime | None]]) -> list[Owed]:
        """The members among ``members`` (id, joined_at) to welcome now, in the order they joined (not those
        whose live welcome is under way in this process)."""
        since = await self.since(programme)
        if since is None:
            return []
        async with self._sessions() as s:
            known = await people.discord_ids_in_programme(session=s, programme_id=programme.id)
            unreached = await people.never_reached(session=s, programme_id=programme.id)
            left = await people.left_joins(session=s, programme_id=programme.id)
        for key in [k for k in self._failed if k[0] == programme.id]:
            if key[1] in known and key[1] not in unreached:
                del self._failed[key]  # has their row and was reached: nothing owed any more
        missed = [(joined, Owed(uid, uid in unreached)) for uid, joined in members
                  if ((uid not in known and joined is not None and people.join_instant(joined) not in left
                       and (joined > since or (programme.id, uid) in self._failed)) or uid in unreached)
                  and not self.under_way(programme, uid)]
        return [owed for _, owed in sorted(missed, key=lambda m: (m[0] or since, m[1].discord_id))]

    def done(self, programme: Programme, discord_id: int) -> None:
        """A pass welcomed this member: nothing owed for them any more."""
        self._failed.pop((programme.id, discord_id), None)

    def gone(self, programme: Programme, discord_id: int) -> None:
        """The member left the guild: a welcome of theirs that failed is owed no more."""
        self._failed.pop((programme.id, discord_id), None)

    async def record(self, programme: Programme, started_at: datetime, welcomed: int) -> None:
        """The pass that began at ``started_at`` is done (joins after it reach the bot as events; those of the
        minute before it are looked at again by the next pass, see :data:`IN_FLIGHT`). The mark stays before
        the join of any live welcome of this process under way or failed."""
        held = [joined for (pid, _), joined in [*self._under_way.items(), *self._failed.items()]
                if pid == programme.id and joined is not None]
        mark = math.floor(min([started_at - IN_FLIGHT, *(j - timedelta(seconds=1) for j in held)]).timestamp())
        self._passes_failed.discard(programme.id)
        async with transaction(self._sessions) as s:
            await people.raise_mark(session=s, programme_id=programme.id, name=SEEN_MARK, value=mark)
            mark = await people.get_mark(session=s, programme_id=programme.id, name=SEEN_MARK) or mark
            await people.forget_left_joins(session=s, programme_id=programme.id, before=mark)
            if welcomed:  # the audit log has the catch-ups that welcomed someone
                await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=None,
                                            action=CAUGHT_UP, detail={"welcomed": welcomed}, now=started_at)
