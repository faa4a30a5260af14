"""The mentor circle's membership, from the database: who should be in each programme's circle right now.

The Discord side (:mod:`cogs.circle`) compares this with the channel or the managed role and writes only the
difference, so every run converges whatever was missed (a restart, a lost event, a hand edit): membership is
reconciled, not replayed from events.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.services.programmes import Programme
from storage.db import SessionFactory
from storage.models import MatchStatus, PersonStatus
from storage.queries import matching, people

#: who stays in the community: a pause is a break, not a goodbye
IN_CIRCLE = (PersonStatus.ACTIVE, PersonStatus.PAUSED)


class CircleService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def members(self, programme: Programme) -> set[int]:
        """The Discord ids of everyone who mentors in the programme (see ``CircleConfig``): a profile whose role
        is mentor (or both), active or paused; with ``active_mentors_only``, only mentors with an active match."""
        cfg = programme.config.mentor_circle()
        async with self._sessions() as session:
            rows = await people.profiles_in_programme(session=session, programme_id=programme.id)
            active_mentors: set[int] | None = None
            if cfg.active_mentors_only:
                active = await matching.matches_in_programme(session=session, programme_id=programme.id,
                                                             statuses=(MatchStatus.ACTIVE,))
                active_mentors = {m.mentor_person_id for m in active}
        out: set[int] = set()
        for person, profile in rows:
            if person.discord_user_id is None or person.status not in IN_CIRCLE:
                continue
            if not programme.spec.person(profile.answers, person_id=str(person.id)).can_mentor:
                continue
            if active_mentors is not None and person.id not in active_mentors:
                continue
            out.add(person.discord_user_id)
        return out
