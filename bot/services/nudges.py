"""Nudges, persisted: plans written as rows, claimed when due, prepared for sending, answers followed up.

No discord import: the cog (cogs/nudges) sends what :meth:`NudgeService.prepare` returns and reports back
with :meth:`record_sent` / :meth:`record_retry`; clicks come in through :meth:`answer`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.nudges import answers as rules
from bot.nudges.plan import ExistingNudge, replan, schedule_for_match, week_number
from bot.nudges.quiet import get_zone, is_quiet, next_allowed
from bot.nudges.reminders import next_digest_at
from bot.nudges.templates import render_template
from bot.onboarding.safe_text import safe_text
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.models import Match, Nudge, Person, Profile
from storage.queries import audit, matching, nudges_more, people
from storage.queries import nudges as q

log = logging.getLogger(__name__)

MATCH_KINDS: tuple[str, ...] = ("checkin", "feedback", "message")
DISPATCH_KINDS: tuple[str, ...] = (*MATCH_KINDS, "digest")
INACTIVE = ("paused", "left")
MARKER_RE = re.compile(r"ref:n(\d+)\b")
ANSWER_LABELS = {b.answer: b.label for b in (*rules.CHECKIN_BUTTONS, *rules.END_CONFIRM_BUTTONS)}


def marker(nudge_id: int) -> str:
    """The short reference every nudge message ends with; found again after a crash."""
    return f"ref:n{nudge_id}"


def has_marker(content: str, nudge_id: int) -> bool:
    return any(int(m) == nudge_id for m in MARKER_RE.findall(content))


@dataclass(frozen=True)
class Delivery:
    """One claimed nudge, ready to send. ``attempts > 1``: look for ``marker`` before sending again."""

    nudge_id: int
    programme: Programme
    kind: str
    text: str
    buttons: bool
    attempts: int
    match_id: int | None = None
    person_id: int | None = None
    discord_user_id: int | None = None
    dm_channel_id: int | None = None
    dms_closed: bool = False
    space_id: int | None = None

    @property
    def marker(self) -> str:
        return marker(self.nudge_id)


@dataclass(frozen=True)
class PairAtRisk:
    match_id: int
    mentor_discord_id: int | None
    mentee_discord_id: int | None
    unanswered: int
    last_sent_at: datetime

    @property
    def label(self) -> str:
        return f"<@{self.mentor_discord_id}> & <@{self.mentee_discord_id}>"


@dataclass(frozen=True)
class PartnerPrompt:
    """Ask ``discord_user_id`` to confirm ending the match (buttons for ``nudge_id``)."""

    nudge_id: int
    discord_user_id: int
    dm_channel_id: int | None
    dms_closed: bool
    space_id: int | None
    requested_by: str


@dataclass(frozen=True)
class EndedMatch:
    match_id: int
    space_id: int | None
    space_kind: str | None
    mentor_discord_id: int | None
    mentee_discord_id: int | None
    mentee_dm_channel_id: int | None


@dataclass
class AnswerResult:
    status: Literal["recorded", "unchanged", "rejected", "unknown"]
    reply: str
    programme: Programme | None = None
    organiser_messages: list[str] = field(default_factory=list)
    ask_partner: PartnerPrompt | None = None
    ended: EndedMatch | None = None


def _mention(person: Person | None) -> str:
    return f"<@{person.discord_user_id}>" if person is not None and person.discord_user_id else "someone who left"


def _zone(profile: Profile | None) -> str:
    zone = str((profile.answers if profile else {}).get("timezone") or "UTC")
    try:
        get_zone(zone)
    except ValueError:
        return "UTC"
    return zone


def _records(rows: list[Nudge], key_of: dict[int, str]) -> list[rules.NudgeRecord]:
    out = []
    for n in rows:
        if n.kind not in MATCH_KINDS or n.person_id is None or (n.status != "sent" and n.answer is None):
            continue
        answer = n.answer if n.answer in ("met", "not_yet", "help", "end") else None
        out.append(rules.NudgeRecord(
            nudge_id=n.id or 0, person_key=key_of.get(n.person_id, str(n.person_id)), step_key=n.step_key,
            sent_at=n.sent_at or n.due_at, answer=answer, occurrence=n.occurrence,  # type: ignore[arg-type]
            expects_answer=n.kind == "checkin",
        ))
    return out


def organiser_text(notice: rules.NotifyOrganisers) -> str:
    icon = "🚨" if notice.urgent else "ℹ️"
    history = rules.history_summary(notice.history)
    return f"{icon} {notice.message}\nHistory:\n{history}"[:2000] if history else f"{icon} {notice.message}"


class NudgeService:
    horizon = timedelta(days=180)
    stale_after = timedelta(minutes=5)
    at_risk_grace = timedelta(days=3)
    quiet_margin = timedelta(minutes=1)
    retry_delay = timedelta(minutes=5)
    max_attempts = 5

    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock

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

    async def replan_programme(self, programme: Programme) -> tuple[int, int]:
        """After a plan edit, and periodically (extends the horizon of long matches)."""
        cancelled = added = 0
        async with self._sessions() as s:
            matches = await matching.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
        for m in matches:
            c, a = await self.replan_match(m.id or 0)
            cancelled, added = cancelled + c, added + a
        return cancelled, added

    async def _replan(self, session: AsyncSession, match: Match) -> tuple[int, int]:
        programme = self._registry.by_id(match.programme_id)
        mid = match.id or 0
        if programme is None or match.status != "active":
            return await q.cancel_nudges(session=session, match_id=mid), 0
        now = self._clock.now()
        found = await nudges_more.people_with_profiles(
            session=session, person_ids=(match.mentor_person_id, match.mentee_person_id))
        tz_by_person = {str(pid): _zone(prof) for pid, (person, prof) in found.items() if person.status not in INACTIVE}
        cfg = programme.config
        planned = schedule_for_match(
            cfg.nudges, match_id=mid, start=match.started_at or match.created_at, horizon_end=now + self.horizon,
            cohort_end=cfg.cohort_end, tz_by_person=tz_by_person, quiet=cfg.quiet_hours,
        )
        rows = await q.nudges_of_match(session=session, match_id=mid)
        existing = [
            ExistingNudge(n.id, mid, str(n.person_id), n.step_key, n.occurrence, n.kind, n.due_at, n.status)
            for n in rows if n.kind in MATCH_KINDS and n.person_id is not None
        ]
        to_cancel, to_add = replan(existing, planned, now)
        cancelled = await nudges_more.cancel_by_ids(session=session, nudge_ids=[e.id for e in to_cancel if e.id])
        added = await nudges_more.upsert_planned(session=session, nudges=[
            Nudge(programme_id=programme.id, match_id=mid, person_id=int(p.person_key), kind=p.kind,
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
            found = await nudges_more.open_digest(session=session, programme_id=programme.id)
            if found is not None or not cfg.enabled:
                return found
            row = Nudge(programme_id=programme.id, kind="digest", step_key="digest",
                        due_at=next_digest_at(self._clock.now(), cfg))
            await q.add_nudges(session=session, nudges=[row])
            return row

    # ---- dispatch ---------------------------------------------------------------------------------
    async def release_stale(self) -> int:
        async with transaction(self._sessions) as session:
            return await nudges_more.release_stale_of_kinds(
                session=session, claimed_before=self._clock.now() - self.stale_after, kinds=DISPATCH_KINDS)

    async def claim(self, worker: str, limit: int = 100) -> list[Nudge]:
        async with transaction(self._sessions) as session:
            return await nudges_more.claim_due_of_kinds(
                session=session, now=self._clock.now(), worker=worker, kinds=DISPATCH_KINDS, limit=limit)

    async def prepare(self, nudge: Nudge) -> Delivery | None:
        """What to send for a claimed nudge; None when it was cancelled or moved out of quiet hours."""
        nid = nudge.id or 0
        programme = self._registry.by_id(nudge.programme_id)
        async with transaction(self._sessions) as session:
            if programme is None:
                await nudges_more.cancel_nudge(session=session, nudge_id=nid, reason="programme gone")
                return None
            if nudge.kind == "digest":
                if not programme.config.digest.enabled or await nudges_more.earlier_twin_digest(
                        session=session, nudge=nudge):
                    await nudges_more.cancel_nudge(session=session, nudge_id=nid, reason="duplicate or disabled")
                    return None
                return Delivery(nid, programme, "digest", await self._digest_text(session, programme),
                                False, nudge.attempts)
            return await self._prepare_for_person(session, programme, nudge)

    async def _prepare_for_person(
        self, session: AsyncSession, programme: Programme, nudge: Nudge
    ) -> Delivery | None:
        nid = nudge.id or 0
        match = await matching.get_match(session=session, match_id=nudge.match_id or 0)
        step = programme.config.nudges.step(nudge.step_key)
        found = await nudges_more.people_with_profiles(
            session=session, person_ids=(match.mentor_person_id, match.mentee_person_id) if match else ())
        me = found.get(nudge.person_id or 0)
        if match is None or match.status != "active" or step is None or me is None or me[0].status in INACTIVE:
            await nudges_more.cancel_nudge(session=session, nudge_id=nid, reason="match, step or person gone")
            return None
        person, profile = me
        zone, quiet, now = _zone(profile), programme.config.quiet_hours, self._clock.now()
        if is_quiet(now, zone, quiet) or is_quiet(now + self.quiet_margin, zone, quiet):
            await q.reschedule(session=session, nudge_id=nid, due_at=next_allowed(now + self.quiet_margin, zone, quiet),
                               error="quiet hours")
            return None
        partner_id = match.mentee_person_id if person.id == match.mentor_person_id else match.mentor_person_id
        partner = found.get(partner_id, (None, None))[0]
        footer = f"\n-# {marker(nid)}"
        text = render_template(step.text, {
            "name": safe_text(person.display_name, 60),
            "partner": safe_text(partner.display_name, 60) if partner else "your partner",
            "space": f"<#{match.space_id}>" if match.space_id else "not set up yet",
            "programme": programme.config.name,
            "week": week_number(match.started_at or match.created_at, nudge.due_at),
        }, limit=2000 - len(footer)) + footer
        dm = None if person.dms_closed else await nudges_more.known_dm_channel(session=session, person_id=person.id or 0)
        return Delivery(nid, programme, nudge.kind, text, step.buttons, nudge.attempts, match.id, person.id,
                        person.discord_user_id, dm, person.dms_closed, match.space_id)

    async def record_sent(self, nudge_id: int, channel_id: int, message_id: int) -> bool:
        async with transaction(self._sessions) as session:
            done = await q.mark_sent(session=session, nudge_id=nudge_id, now=self._clock.now(),
                                     channel_id=channel_id, message_id=message_id)
            row = await q.get_nudge(session=session, nudge_id=nudge_id)
            if done and row is not None and row.kind == "digest":
                programme = self._registry.by_id(row.programme_id)
                if programme is not None and programme.config.digest.enabled:
                    await q.add_nudges(session=session, nudges=[Nudge(
                        programme_id=row.programme_id, kind="digest", step_key="digest",
                        due_at=next_digest_at(max(row.due_at, self._clock.now()), programme.config.digest))])
            return done

    async def record_retry(self, nudge_id: int, error: str, attempts: int) -> bool:
        """Try again later; False (and failed) after ``max_attempts`` — the organisers should hear of it."""
        async with transaction(self._sessions) as session:
            if attempts >= self.max_attempts:
                await q.mark_failed(session=session, nudge_id=nudge_id, error=error[:500])
                return False
            await q.reschedule(session=session, nudge_id=nudge_id, due_at=self._clock.now() + self.retry_delay,
                               error=error[:500])
            return True

    async def record_failed(self, nudge_id: int, error: str) -> None:
        async with transaction(self._sessions) as session:
            await q.mark_failed(session=session, nudge_id=nudge_id, error=error[:500])

    async def mark_dms_closed(self, person_id: int) -> None:
        async with transaction(self._sessions) as session:
            await people.mark_dms_closed(session=session, person_id=person_id)

    # ---- answers ----------------------------------------------------------------------------------
    async def answer(self, nudge_id: int, answer: rules.ButtonAnswer, discord_user_id: int) -> AnswerResult:
        """Apply one click on a nudge's button. Safe to repeat: a second click changes nothing."""
        async with transaction(self._sessions) as session:
            nudge = await q.get_nudge(session=session, nudge_id=nudge_id)
            match = await matching.get_match(session=session, match_id=nudge.match_id or 0) if nudge else None
            if nudge is None or match is None:
                return AnswerResult("unknown", "This check-in no longer exists — thanks anyway!")
            programme = self._registry.by_id(match.programme_id)
            found = await nudges_more.people_with_profiles(
                session=session, person_ids=(match.mentor_person_id, match.mentee_person_id))
            key_of = {pid: _mention(p) for pid, (p, _prof) in found.items()}
            by = next((key_of[pid] for pid, (p, _) in found.items() if p.discord_user_id == discord_user_id), None)
            if by is None:
                return AnswerResult("rejected", "This check-in was sent to someone else.", programme)
            if match.status != "active":
                return AnswerResult("unchanged", "This match has already ended — thank you!", programme)
            if answer in rules.NUDGE_ANSWERS and nudge.answer is not None:
                label = ANSWER_LABELS.get(nudge.answer, nudge.answer)  # type: ignore[call-overload]
                return AnswerResult("unchanged", f"You already answered this one (“{label}”) — I've kept that.",
                                    programme)
            if answer == "keep" and await self._end_reply_seen(session, match, nudge_id):
                return AnswerResult("unchanged", "You already told me you'd like to keep going.", programme)
            history = _records(await q.nudges_of_match(session=session, match_id=match.id or 0), key_of)
            pair = (key_of.get(match.mentor_person_id, "?"), key_of.get(match.mentee_person_id, "?"))
            try:
                actions = rules.follow_up(history, nudge_id=nudge_id, answer=answer, by=by, pair=pair)
            except rules.AnswerRejected as exc:
                return AnswerResult("rejected", str(exc).capitalize() + ".", programme)
            except LookupError:
                return AnswerResult("unknown", "I can't find this check-in any more — thanks anyway!", programme)
            result = AnswerResult("recorded", _REPLIES[answer], programme)
            now = self._clock.now()
            for action in actions:
                if isinstance(action, rules.RecordAnswer):
                    if not await q.record_answer(session=session, nudge_id=action.nudge_id, answer=action.answer,
                                                 now=now):
                        return AnswerResult("unchanged", "You already answered this one — I've kept that.", programme)
                elif isinstance(action, rules.NotifyOrganisers):
                    result.organiser_messages.append(organiser_text(action))
                elif isinstance(action, rules.AskPartnerToConfirmEnd):
                    partner_pid = next(pid for pid, key in key_of.items() if key == action.partner_key)
                    partner = found[partner_pid][0]
                    dm = await nudges_more.known_dm_channel(session=session, person_id=partner_pid)
                    result.ask_partner = PartnerPrompt(action.nudge_id, partner.discord_user_id or 0, dm,
                                                       partner.dms_closed, match.space_id, action.requested_by)
                elif isinstance(action, rules.EndMatch):
                    if not await matching.end_match(session=session, match_id=match.id or 0, reason="ended by the pair",
                                                    now=now):
                        return AnswerResult("unchanged", "This match has already ended.", programme)
                    await q.cancel_nudges(session=session, match_id=match.id or 0)
                    mentor, mentee = found.get(match.mentor_person_id), found.get(match.mentee_person_id)
                    result.ended = EndedMatch(
                        match.id or 0, match.space_id, match.space_kind,
                        mentor[0].discord_user_id if mentor else None, mentee[0].discord_user_id if mentee else None,
                        await nudges_more.known_dm_channel(session=session, person_id=match.mentee_person_id))
            if answer in ("confirm_end", "keep"):
                await audit.add_audit_event(session=session, programme_id=match.programme_id,
                                            actor_discord_id=discord_user_id, action=f"nudge.{answer}",
                                            detail=nudges_more.as_detail(nudge_id=nudge_id, match_id=match.id), now=now)
            return result

    async def _end_reply_seen(self, session: AsyncSession, match: Match, nudge_id: int) -> bool:
        events = await nudges_more.audit_events_since(session=session, programme_id=match.programme_id,
                                                      actions=("nudge.keep",))
        return any(e.detail.get("nudge_id") == nudge_id for e in events)

    async def save_note(self, nudge_id: int, discord_user_id: int, text: str) -> Programme | None:
        """Keep a short note someone added to their nudge; its programme, or None when it is not theirs."""
        async with transaction(self._sessions) as session:
            nudge = await q.get_nudge(session=session, nudge_id=nudge_id)
            person = await people.get_person(session=session, person_id=nudge.person_id or 0) if nudge else None
            if nudge is None or person is None or person.discord_user_id != discord_user_id:
                return None
            nudge.note = text[:1000]  # stored on the nudge itself, so /leave erases it with the person
            session.add(nudge)
            await audit.add_audit_event(
                session=session, programme_id=nudge.programme_id, actor_discord_id=discord_user_id,
                action="nudge.note", detail={"nudge_id": nudge_id, "match_id": nudge.match_id},
                now=self._clock.now())
            return self._registry.by_id(nudge.programme_id)

    # ---- at risk, digest --------------------------------------------------------------------------
    async def pairs_at_risk(self, programme: Programme) -> list[PairAtRisk]:
        """Active pairs where nobody answered either of the last two check-ins (sent ≥ 3 days ago)."""
        async with self._sessions() as session:
            return await self._pairs_at_risk(session, programme)

    async def _pairs_at_risk(self, session: AsyncSession, programme: Programme) -> list[PairAtRisk]:
        matches = await matching.matches_in_programme(session=session, programme_id=programme.id, statuses=("active",))
        rows = await nudges_more.nudges_of_matches(session=session, match_ids=[m.id or 0 for m in matches])
        ids = {pid for m in matches for pid in (m.mentor_person_id, m.mentee_person_id)}
        found = await nudges_more.people_with_profiles(session=session, person_ids=ids)
        by_match: dict[int, list[Nudge]] = {}
        for n in rows:
            by_match.setdefault(n.match_id or 0, []).append(n)
        now, out = self._clock.now(), []
        for m in matches:
            history = _records(by_match.get(m.id or 0, []), {})
            if rules.at_risk(history, now=now, grace=self.at_risk_grace):
                judged = [r for r in history if r.expects_answer and r.sent_at <= now - self.at_risk_grace]
                unanswered = len({(r.step_key, r.occurrence) for r in judged[::-1] if r.answer is None})
                mentor, mentee = found.get(m.mentor_person_id), found.get(m.mentee_person_id)
                out.append(PairAtRisk(m.id or 0, mentor[0].discord_user_id if mentor else None,
                                      mentee[0].discord_user_id if mentee else None, unanswered,
                                      max(r.sent_at for r in judged)))
        return out

    async def sweep_at_risk(self, programme: Programme) -> list[str]:
        """Newly at-risk pairs, each reported once (until someone answers again): texts for organisers."""
        async with transaction(self._sessions) as session:
            pairs = await self._pairs_at_risk(session, programme)
            events = await nudges_more.audit_events_since(session=session, programme_id=programme.id,
                                                          actions=("nudge.at_risk",))
            flagged: dict[int, datetime] = {}
            for e in events:
                flagged[int(e.detail.get("match_id", 0))] = e.created_at
            texts = []
            for pair in pairs:
                since = flagged.get(pair.match_id)
                answered = [n.answered_at for n in await q.nudges_of_match(session=session, match_id=pair.match_id)
                            if n.answered_at is not None]
                if since is not None and not any(a > since for a in answered):
                    continue
                await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=None,
                                            action="nudge.at_risk", detail={"match_id": pair.match_id},
                                            now=self._clock.now())
                texts.append(f"⚠️ Pair at risk: no answer from {pair.label} to their last two check-ins.")
            return texts

    async def _digest_text(self, session: AsyncSession, programme: Programme) -> str:
        now = self._clock.now()
        since = now - timedelta(days=7)
        active = await matching.matches_in_programme(session=session, programme_id=programme.id, statuses=("active",))
        sent = [n for n in await nudges_more.nudges_in_programme(
            session=session, programme_id=programme.id, kinds=MATCH_KINDS, statuses=("sent",),
            since=since - timedelta(days=1)) if n.sent_at and n.sent_at >= since]
        answers = Counter(str(n.answer) for n in sent if n.answer)
        ended = await nudges_more.ended_matches_since(session=session, programme_id=programme.id, since=since)
        at_risk = await self._pairs_at_risk(session, programme)
        breakdown = ", ".join(f"{ANSWER_LABELS.get(a, a).lower()}: {c}" for a, c in sorted(answers.items()))  # type: ignore[call-overload]
        lines = [
            f"📋 **Weekly digest — {programme.config.name}** ({since:%d %b} – {now:%d %b})",
            f"• Active pairs: {len(active)}",
            f"• Nudges sent this week: {len(sent)}; answered: {sum(answers.values())}"
            + (f" ({breakdown})" if breakdown else ""),
            f"• Matches ended this week: {len(ended)}",
            f"• Pairs at risk (no answer to the last two check-ins): {len(at_risk)}",
        ]
        lines += [f"  – {p.label}" for p in at_risk[:20]]
        return "\n".join(lines)[:1900]


_REPLIES: dict[str, str] = {
    "met": "Thanks — great to hear you two have met! I've noted it.",
    "not_yet": "Thanks for letting me know. Why not suggest a time to your partner in your shared space?",
    "help": "Thanks — I've told the organisers; one of them will be in touch soon.",
    "end": "Thanks. I've asked your partner to confirm, and the organisers know.",
    "confirm_end": "Your match has ended. Thank you both for taking part!",
    "keep": "Thanks — I've let the organisers know you'd like to keep going.",
}
