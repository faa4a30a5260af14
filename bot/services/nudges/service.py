"""Nudges, persisted: plans written as rows, claimed when due, prepared for sending, answers followed up.

No discord import: the cog (cogs/nudges) sends what :meth:`NudgeService.prepare` returns and reports back
with :meth:`record_sent_rows` (the shared dispatcher, :mod:`bot.services.scheduled_dms`); clicks come in through ``NudgeService.answers``
(:class:`~bot.services.nudges._answers.CheckInAnswers`), pairs at risk through ``NudgeService.risk``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.goals import checkin_goals
from bot.nudges.plan import ExistingNudge, replan, schedule_for_match, week_number
from bot.nudges.quiet import daytime_later
from bot.nudges.reminders import next_digest_at
from bot.nudges.templates import render_template
from bot.onboarding.safe_text import safe_text
from bot.services.dm_reach import dms_closed_now
from bot.services.match_end import MatchEnding
from bot.services.nudges._answers import CheckInAnswers
from bot.services.nudges._batch import BatchedCheckins
from bot.services.nudges._risk import PairRisk
from bot.services.nudges._types import (
    DISPATCH_KINDS,
    Delivery,
    _zone,
    marker,
)
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.services.scheduled_dms import Claimed, ClaimLedger
from storage.db import SessionFactory, transaction
from storage.group_commit import GroupCommit
from storage.ids import require_id
from storage.models import INACTIVE, MATCH_KINDS, Match, MatchStatus, Nudge, NudgeKind
from storage.queries import matching, onboarding, outcomes, people
from storage.queries import nudges as q

log = logging.getLogger(__name__)


class NudgeService:
    """Plans and dispatch. Its collaborators: :attr:`answers` (clicks and notes on check-ins) and :attr:`risk`
    (pairs at risk; it also writes the weekly digest this service sends)."""

    horizon = timedelta(days=180)
    stale_after = timedelta(minutes=5)
    quiet_margin = timedelta(minutes=1)
    retry_delay = timedelta(minutes=5)
    max_attempts = 5

    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
                 ending: MatchEnding | None = None, writes: GroupCommit | None = None) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self.answers = CheckInAnswers(registry, sessions, clock, ending or MatchEnding(registry, sessions, clock),
                                      writes or GroupCommit(sessions))
        self.risk = PairRisk(sessions, clock)
        self.batches = BatchedCheckins(registry, sessions, clock, self.quiet_margin)
        self.ledger = ClaimLedger(Nudge, sessions, clock, self, where=q.of_kinds(DISPATCH_KINDS))

    # ---- plans ------------------------------------------------------------------------------------
    async def plan_match(self, match_id: int) -> int:
        """Write the match's nudges (up to ``horizon`` ahead). Idempotent; returns how many were added."""
        return (await self.replan_match(match_id))[1]

    async def replan_match(self, match_id: int) -> tuple[int, int]:
        """Bring the match's future nudges in line with its programme's current plan: (cancelled, added)."""
        async with transaction(self._sessions) as session:
            match = await matching.get_match(session=session, match_id=match_id)
            if match is None:
                return 0, 0
            return await self._replan(session, match)

    async def replan_programme(self, programme: Programme, *, extend_only: bool = False) -> tuple[int, int]:
        """After a plan edit (every active match), and periodically with ``extend_only`` (only the matches whose
        planned nudges end within a month of the horizon, so long matches keep being nudged)."""
        cancelled = added = 0
        async with self._sessions() as s:
            matches = await matching.matches_in_programme(session=s, programme_id=programme.id, statuses=(MatchStatus.ACTIVE,))
            if extend_only:
                last = await q.last_due_by_match(session=s, match_ids=[require_id(m) for m in matches])
                soon = self._clock.now() + self.horizon - timedelta(days=30)
                matches = [m for m in matches if require_id(m) in last and last[require_id(m)] < soon]
        for m in matches:
            c, a = await self.replan_match(require_id(m))
            cancelled, added = cancelled + c, added + a
        return cancelled, added

    async def _replan(self, session: AsyncSession, match: Match) -> tuple[int, int]:
        programme = self._registry.by_id(match.programme_id)
        mid = require_id(match)
        if programme is None or match.status != MatchStatus.ACTIVE:
            return await q.cancel_nudges(session=session, match_id=mid), 0
        now = self._clock.now()
        found = await people.people_with_profiles(
            session=session, person_ids=(match.mentor_person_id, match.mentee_person_id))
        tz_by_person = {str(pid): _zone(prof) for pid, (person, prof) in found.items() if person.status not in INACTIVE}
        cfg = programme.config
        planned = schedule_for_match(
            cfg.nudge_plan(match.kind), match_id=mid, start=match.started_at or match.created_at, horizon_end=now + self.horizon,
            cohort_end=cfg.cohort_end, tz_by_person=tz_by_person, quiet=cfg.quiet_hours,
        )
        rows = await q.nudges_of_match(session=session, match_id=mid)
        existing = [
            ExistingNudge(n.id, mid, str(n.person_id), n.step_key, n.occurrence, n.kind, n.due_at, n.status)
            for n in rows if n.kind in MATCH_KINDS and n.person_id is not None
        ]
        to_cancel, to_add = replan(existing, planned, now)
        cancelled = await q.cancel_by_ids(session=session, nudge_ids=[e.id for e in to_cancel if e.id])
        added = await q.upsert_planned(session=session, nudges=[
            Nudge(programme_id=programme.id, match_id=mid, person_id=int(p.person_key), kind=NudgeKind(p.kind),
                  step_key=p.step_key, occurrence=p.occurrence, due_at=p.due_at)
            for p in to_add
        ])
        return cancelled, added

    async def cancel_for_match(self, match_id: int) -> int:
        async with transaction(self._sessions) as session:
            return await q.cancel_nudges(session=session, match_id=match_id)

    async def cancel_for_person(self, person_id: int) -> int:
        async with transaction(self._sessions) as session:
            return await q.cancel_nudges(session=session, person_id=person_id)

    async def ensure_digest(self, programme: Programme) -> Nudge | None:
        """The programme's next digest row (written when missing; None when digests are off)."""
        cfg = programme.config.digest
        async with transaction(self._sessions) as session:
            found = await q.open_digest(session=session, programme_id=programme.id)
            if found is not None or not cfg.enabled:
                return found
            row = Nudge(programme_id=programme.id, kind=NudgeKind.DIGEST, step_key="digest",
                        due_at=next_digest_at(self._clock.now(), cfg))
            await q.add_nudges(session=session, nudges=[row])
            return row

    # ---- dispatch ---------------------------------------------------------------------------------
    async def claim(self, worker: str, limit: int = 100) -> list[Nudge]:
        """Due nudges, claimed for ``worker``; with each person's check-in, that person's other check-ins due
        within the plan's ``together_within_hours`` (they go out together: one message per person)."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            claimed = await q.claim_due_nudges(session=session, now=now, worker=worker, kinds=DISPATCH_KINDS,
                                               limit=limit)
        people_by_programme: dict[int, set[int]] = {}
        for n in claimed:
            if n.kind == NudgeKind.CHECKIN and n.person_id is not None:
                people_by_programme.setdefault(n.programme_id, set()).add(n.person_id)
        try:  # the claim above stands whatever happens here: without companions, each goes on its own
            async with transaction(self._sessions) as session:
                for programme_id, person_ids in people_by_programme.items():
                    programme = self._registry.by_id(programme_id)
                    hours = programme.config.nudges.together_within_hours if programme is not None else 0
                    claimed += await q.claim_companions(session=session, person_ids=sorted(person_ids),
                                                        worker=worker, until=now + timedelta(hours=hours), now=now)
        except Exception:
            log.warning("could not claim check-ins to send together; each goes on its own", exc_info=True)
        return claimed

    async def claim_due(self, worker: str, limit: int) -> list[Claimed[Nudge]]:
        """:meth:`claim`, for the dispatcher: a person's check-ins go together, one per pairing."""
        out = []
        for n in await self.claim(worker, limit):
            checkin = n.kind == NudgeKind.CHECKIN and n.person_id is not None
            who = f"person #{n.person_id}" if n.person_id else "the organisers' digest"
            out.append(Claimed(n, require_id(n), n.attempts, n.programme_id, n.person_id,
                               together=NudgeKind.CHECKIN if checkin else None, part=n.match_id,
                               label=f"{'check-in' if checkin else n.kind} for {who}"))
        return out

    async def prepare_group(self, group: list[Claimed[Nudge]]) -> list[Delivery]:
        if len(group) == 1:
            d = await self.prepare(group[0].row)
            return [d] if d is not None else []
        return await self.prepare_batch([c.row for c in group])

    async def record_sent_rows(self, nudge_ids: list[int], channel_id: int, message_id: int) -> None:
        if len(nudge_ids) == 1:
            await self.record_sent(nudge_ids[0], channel_id, message_id)
        else:
            await self.record_sent_together(nudge_ids, channel_id, message_id)

    async def prepare_batch(self, nudges: list[Nudge]) -> list[Delivery]:
        """One delivery for several check-ins claimed for one person (see :class:`BatchedCheckins`); a person
        whose DMs are closed and whose pairings have no one shared space gets each in its own pair's space."""
        d = await self.batches.prepare(nudges)
        if d is None:
            return []
        if not (d.dms_closed and d.space_id is None):
            return [d]
        out = []
        for n in nudges:
            if require_id(n) in d.nudge_ids:
                single = await self.prepare(n)
                if single is not None:
                    out.append(single)
        return out

    async def prepare(self, nudge: Nudge) -> Delivery | None:
        """What to send for a claimed nudge; None when it was cancelled or moved out of quiet hours."""
        nid = require_id(nudge)
        programme = self._registry.by_id(nudge.programme_id)
        async with transaction(self._sessions) as session:
            if programme is None:
                await q.cancel_nudge(session=session, nudge_id=nid, reason="programme gone")
                return None
            if nudge.kind == NudgeKind.DIGEST:
                if not programme.config.digest.enabled or await q.earlier_twin_digest(
                        session=session, nudge=nudge):
                    await q.cancel_nudge(session=session, nudge_id=nid, reason="duplicate or disabled")
                    return None
                return Delivery(nid, programme, NudgeKind.DIGEST, await self.risk.digest_text(session, programme),
                                False, nudge.attempts, due_at=nudge.due_at)
            return await self._prepare_for_person(session, programme, nudge)

    async def _prepare_for_person(
        self, session: AsyncSession, programme: Programme, nudge: Nudge
    ) -> Delivery | None:
        nid = require_id(nudge)
        match = await matching.get_match(session=session, match_id=nudge.match_id) \
            if nudge.match_id is not None else None
        step = programme.config.nudge_plan(match.kind if match else "mentoring").step(nudge.step_key)
        found = await people.people_with_profiles(
            session=session, person_ids=(match.mentor_person_id, match.mentee_person_id) if match else ())
        me = found.get(nudge.person_id) if nudge.person_id is not None else None
        if match is None or match.status != MatchStatus.ACTIVE or step is None or me is None or me[0].status in INACTIVE:
            await q.cancel_nudge(session=session, nudge_id=nid, reason="match, step or person gone")
            return None
        person, profile = me
        later = daytime_later(self._clock.now(), _zone(profile), programme.config.quiet_hours, self.quiet_margin)
        if later is not None:
            await q.reschedule(session=session, nudge_id=nid, due_at=later, error="quiet hours")
            return None
        partner_id = match.mentee_person_id if person.id == match.mentor_person_id else match.mentor_person_id
        partner = found.get(partner_id, (None, None))[0]
        words = programme.config.messages().checkin_words
        footer = f"\n-# {marker(nid)}"
        goals = checkin_goals(await outcomes.goals_of_match(session=session, match_id=require_id(match)),
                              programme.config.messages().goals) \
            if nudge.kind == NudgeKind.CHECKIN else ""
        footer = goals + footer
        text = render_template(step.text, {
            "name": safe_text(person.display_name, 60),
            "partner": safe_text(partner.display_name, 60) if partner else words.your_partner,
            "space": f"<#{match.space_id}>" if match.space_id else words.no_space,
            "programme": programme.config.name,
            "week": week_number(match.started_at or match.created_at, nudge.due_at),
        }, limit=2000 - len(footer)) + footer
        closed = dms_closed_now(person, self._clock.now())
        dm = None if closed else await onboarding.known_dm_channel(session=session, person_id=require_id(person))
        return Delivery(nid, programme, nudge.kind, text, step.buttons, nudge.attempts, match.id, person.id,
                        person.discord_user_id, dm, closed, match.space_id,
                        goal_match_id=match.id if goals else None, private=programme.config.pods)

    async def record_sent(self, nudge_id: int, channel_id: int, message_id: int) -> bool:
        async with transaction(self._sessions) as session:
            done = await q.mark_sent(session=session, nudge_id=nudge_id, now=self._clock.now(),
                                     channel_id=channel_id, message_id=message_id)
            row = await q.get_nudge(session=session, nudge_id=nudge_id)
            if done and row is not None and row.kind == NudgeKind.DIGEST:
                programme = self._registry.by_id(row.programme_id)
                if programme is not None and programme.config.digest.enabled:
                    await q.add_nudges(session=session, nudges=[Nudge(
                        programme_id=row.programme_id, kind=NudgeKind.DIGEST, step_key="digest",
                        due_at=next_digest_at(max(row.due_at, self._clock.now()), programme.config.digest))])
            return done

    async def record_sent_together(self, nudge_ids: list[int], channel_id: int, message_id: int) -> None:
        """A batched check-in went out as one message: every nudge it carried is sent, in one transaction."""
        async with transaction(self._sessions) as session:
            for nid in nudge_ids:
                await q.mark_sent(session=session, nudge_id=nid, now=self._clock.now(), channel_id=channel_id,
                                  message_id=message_id)

    async def space_gone(self, nudge_ids: list[int], space_id: int) -> list[str]:
        """The pair space ``space_id`` of these check-ins' matches was found deleted while sending: each match
        forgets it (their check-ins reach each of the two privately from now on: a DM, or a private thread only
        they see) and the organisers' notice for each match whose space this call forgot — once per pair, however
        many check-ins (or processes) find it gone."""
        notices = []
        async with transaction(self._sessions) as session:
            nudges = [await q.get_nudge(session=session, nudge_id=nid) for nid in nudge_ids]
            for match_id in sorted({n.match_id for n in nudges if n is not None and n.match_id is not None}):
                if not await matching.forget_space(session=session, match_id=match_id, space_id=space_id):
                    continue
                match = await matching.get_match(session=session, match_id=match_id)
                found = await people.people_with_profiles(
                    session=session, person_ids=(match.mentor_person_id, match.mentee_person_id)) if match else {}
                pair = " and ".join(f"<@{p.discord_user_id}>" for p, _ in found.values()
                                    if p.discord_user_id is not None) or f"match #{match_id}"
                notices.append(f"⚠️ The space of the pair {pair} is gone (deleted), so their check-ins reach each "
                               "of them privately from now on: by DM, or with DMs closed in a private thread only "
                               "they see.")
        return notices
