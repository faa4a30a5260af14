"""Cohort rounds: an organiser opens a round (dates, prerequisites such as "training"), closes it, matches it.

Prerequisites are confirmed by the person (``/profile ready``) or marked by an organiser
(``/programme round ready``). When a round is matched, people who have not completed them are left out with
the reason, and stay for the next round; previous partners are never re-paired (the engine's history rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clock import Clock
from bot.services.programmes import Programme
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import CohortRound
from storage.queries import audit, people
from storage.queries import rounds as q


class RoundError(Exception):
    """Something an organiser (or a participant) should be told in plain words."""


def prerequisite_label(key: str) -> str:
    return key.replace("-", " ").replace("_", " ")


@dataclass(frozen=True)
class RoundState:
    round: CohortRound | None
    done: dict[int, set[str]]

    def missing(self, person_id: int) -> list[str]:
        """The round's prerequisites this person has not completed (empty: ready)."""
        if self.round is None:
            return []
        have = self.done.get(person_id, set())
        return [k for k in self.round.prerequisites if k not in have]

    def not_ready_reason(self, person_id: int) -> str | None:
        missing = self.missing(person_id)
        if not missing or self.round is None:
            return None
        return (f"not ready for {self.round.name}: {', '.join(prerequisite_label(k) for k in missing)} not "
                "completed yet — kept for the next round")


class RoundService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def open(self, programme: Programme, name: str, prerequisites: list[str], *, opens_on: date | None,
                   closes_on: date | None, actor: int | None) -> CohortRound:
        keys = [k.strip().lower().replace(" ", "-") for k in prerequisites if k.strip()]
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            current = await q.current_round(session=session, programme_id=programme.id)
            if current is not None:
                raise RoundError(f"{current.name} is still {current.status}; match it before opening another round.")
            row = await q.add_round(session=session, programme_id=programme.id, name=name.strip()[:100],
                                    prerequisites=keys, opens_on=opens_on, closes_on=closes_on, now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="round.open", detail={"round": row.id, "prerequisites": keys}, now=now)
        return row

    async def close(self, programme: Programme, actor: int | None) -> CohortRound:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            current = await q.current_round(session=session, programme_id=programme.id)
            if current is None or current.status != "open":
                raise RoundError("There is no open round to close.")
            await q.set_round_status(session=session, round_id=require_id(current), status="closed", now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="round.close", detail={"round": current.id}, now=now)
            current.status = "closed"
        return current

    async def state(self, programme: Programme) -> RoundState:
        async with self._sessions() as session:
            current = await q.current_round(session=session, programme_id=programme.id)
            done = await q.done_by_person(session=session, programme_id=programme.id) if current else {}
        return RoundState(current, done)

    async def mark_done(self, programme: Programme, discord_user_id: int, key: str, *, by: int | None) -> bool:
        """Record that a person completed ``key`` (``by``: the organiser who marked it; None: the person)."""
        key = key.strip().lower().replace(" ", "-")
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            if person is None:
                raise RoundError("That person has not joined this programme.")
            current = await q.current_round(session=session, programme_id=programme.id)
            if current is not None and key not in current.prerequisites:
                raise RoundError(f"{current.name} asks for: {', '.join(current.prerequisites) or 'nothing'}.")
            added = await q.mark_done(session=session, programme_id=programme.id, person_id=require_id(person),
                                      key=key, marked_by=by, now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=by,
                                        action="round.prerequisite", detail={"person": person.id, "key": key},
                                        now=now)
        return added

    async def matched(self, programme: Programme, round_id: int, match_ids: list[int]) -> None:
        """A round's preview was confirmed: its matches belong to it and it is done."""
        async with transaction(self._sessions) as session:
            await q.set_match_round(session=session, match_ids=match_ids, round_id=round_id)
            await q.set_round_status(session=session, round_id=round_id, status="matched")
