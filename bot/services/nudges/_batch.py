"""One check-in per person per moment: the check-ins claimed together for one person become ONE delivery (a
section per pairing, each its own nudge row: answers, escalations and the digest stay per pair), and the
message is drawn again from the rows after each answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.nudges.batch import CheckinSection, answerable
from bot.nudges.plan import week_number
from bot.nudges.quiet import daytime_later
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.nudges._types import Delivery, _zone
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.voice import CheckinWords
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import INACTIVE, MatchStatus, Nudge, NudgeKind, Person
from storage.queries import matching, onboarding, outcomes, people
from storage.queries import nudges as q


@dataclass(frozen=True)
class CheckinMessage:
    """A batched check-in as it stands now: what to draw again after an answer."""

    programme: Programme
    intro: str
    sections: tuple[CheckinSection, ...]

    @property
    def all_answered(self) -> bool:
        return not any(answerable(s) for s in self.sections)


def intro_for(programme: Programme, person: Person, count: int) -> str:
    return programme.config.messages().say("checkin_batch", name=safe_text(person.display_name, 60),
                                           programme=programme.config.name, count=count)


async def _sections(session: AsyncSession, rows: Sequence[Nudge]) -> list[CheckinSection]:
    """A section per row (by id); one whose match has ended is closed."""
    sections: list[CheckinSection] = []
    for n in sorted(rows, key=require_id):
        match = await matching.get_match(session=session, match_id=n.match_id) if n.match_id is not None else None
        if match is None:
            continue
        partner_id = match.mentee_person_id if n.person_id == match.mentor_person_id else match.mentor_person_id
        partner = await people.get_person(session=session, person_id=partner_id)
        name = safe_text(partner.display_name, 60) if partner is not None else "your partner"
        goals = match.status == MatchStatus.ACTIVE and bool(
            await outcomes.goals_of_match(session=session, match_id=require_id(match)))
        sections.append(CheckinSection(require_id(n), name, match.space_id,
                                       week_number(match.started_at or match.created_at, n.due_at), n.answer,
                                       rows=2 if goals else 1, open=match.status == MatchStatus.ACTIVE,
                                       goal_match_id=match.id if goals else None))
    return sections


class BatchedCheckins:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
                 quiet_margin: timedelta) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._quiet_margin = quiet_margin

    async def prepare(self, nudges: Sequence[Nudge]) -> Delivery | None:
        """One delivery for one person's claimed check-ins; None when none is to go now (cancelled: match,
        step or person gone; moved out of quiet hours). Steps removed from the plan are cancelled."""
        first = nudges[0]
        programme = self._registry.by_id(first.programme_id)
        async with transaction(self._sessions) as session:
            found = await people.people_with_profiles(session=session, person_ids=(first.person_id,)) \
                if first.person_id is not None else {}
            me = found.get(first.person_id) if first.person_id is not None else None
            if programme is None or me is None or me[0].status in INACTIVE:
                for n in nudges:
                    await q.cancel_nudge(session=session, nudge_id=require_id(n), reason="programme or person gone")
                return None
            person, profile = me
            later = daytime_later(self._clock.now(), _zone(profile), programme.config.quiet_hours,
                                  self._quiet_margin)
            if later is not None:
                for n in nudges:
                    await q.reschedule(session=session, nudge_id=require_id(n), due_at=later, error="quiet hours")
                return None
            live: list[Nudge] = []
            for n in nudges:
                match = await matching.get_match(session=session, match_id=n.match_id) \
                    if n.match_id is not None else None
                plan = programme.config.nudge_plan(match.kind if match else "mentoring")
                if match is None or match.status != MatchStatus.ACTIVE or plan.step(n.step_key) is None:
                    await q.cancel_nudge(session=session, nudge_id=require_id(n), reason="match or step gone")
                else:
                    live.append(n)
            sections = await _sections(session, live)
            if not sections:
                return None
            spaces = {s.space_id for s in sections}
            shared = spaces.pop() if len(spaces) == 1 else None  # a pod: the closed-DM fallback fits everyone
            closed = dms_closed_now(person, self._clock.now())
            dm = None if closed else await onboarding.known_dm_channel(session=session, person_id=require_id(person))
            attempts = {require_id(n): n.attempts for n in live}
            return Delivery(
                sections[0].nudge_id, programme, NudgeKind.CHECKIN, intro_for(programme, person, len(sections)),
                True, max(attempts.values()), person_id=person.id, discord_user_id=person.discord_user_id,
                dm_channel_id=dm, dms_closed=closed, space_id=shared, batch=tuple(sections),
                claims=tuple((s.nudge_id, attempts[s.nudge_id]) for s in sections), private=programme.config.pods)

    async def words(self, nudge_id: int) -> CheckinWords:
        """The check-in words of ``nudge_id``'s programme (neutral ones when the check-in or programme is gone)."""
        async with self._sessions() as session:
            nudge = await q.get_nudge(session=session, nudge_id=nudge_id)
        programme = self._registry.by_id(nudge.programme_id) if nudge is not None else None
        return programme.config.messages().checkin_words if programme is not None else CheckinWords()

    async def message(self, nudge_id: int, message_id: int, discord_user_id: int) -> CheckinMessage | None:
        """The batched check-in ``message_id`` that carried ``nudge_id`` to ``discord_user_id``, with its answers
        so far (None: not theirs, or not a batched check-in)."""
        async with self._sessions() as session:
            nudge = await q.get_nudge(session=session, nudge_id=nudge_id)
            person = await people.get_person(session=session, person_id=nudge.person_id) \
                if nudge is not None and nudge.person_id is not None else None
            if nudge is None or person is None or person.discord_user_id != discord_user_id:
                return None
            programme = self._registry.by_id(nudge.programme_id)
            rows = await q.nudges_in_message(session=session, person_id=require_id(person), message_id=message_id)
            if programme is None or not rows:
                return None
            sections = await _sections(session, rows)
            return CheckinMessage(programme, intro_for(programme, person, len(sections)), tuple(sections))
