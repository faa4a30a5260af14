"""Programme statistics from the database: the funnel, pairs at risk, stalled onboarding, answer rates,
mentor capacity and weekly activity. No discord import; the chart is drawn by :mod:`bot.stats`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.nudges.answers import NudgeAnswer, NudgeRecord, at_risk
from bot.onboarding.profile import profile_from_answers
from bot.services.programmes import Programme
from bot.services.rounds import RoundService, RoundSummary
from bot.stats import Funnel, WeeklyActivity, weekly_series
from storage.db import SessionFactory
from storage.models import MatchStatus, PersonStatus
from storage.queries import erasure_work as erasure_q
from storage.queries import intake as intake_q
from storage.queries import matching as matching_q
from storage.queries import outcomes as outcomes_q
from storage.queries import stats as q

WEEKS_SHOWN = 12
STALLED_SHOWN = 25
DEFAULT_STALLED_HOURS = 24


@dataclass(frozen=True)
class AtRiskPair:
    match_id: int
    mentor_name: str
    mentee_name: str
    mentor_discord_id: int | None
    mentee_discord_id: int | None


@dataclass(frozen=True)
class StalledPerson:
    person_id: int
    discord_user_id: int | None
    name: str
    idle_hours: int
    reminders_sent: int
    paused: bool = False


@dataclass(frozen=True)
class AnswerRate:
    step_key: str
    sent: int
    answered: int
    name: str = ""  # the step's human name, as organisers read it

    @property
    def label(self) -> str:
        return self.name or self.step_key

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


@dataclass(frozen=True)
class Capacity:
    mentors: int
    total: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.total - self.used)


@dataclass(frozen=True)
class LeftPost:
    """A public reply naming someone who left that the platform did not delete (the erasure work gave up on
    it, :mod:`bot.services.erasure_work`): the organisers delete it by hand."""

    platform: str
    post_id: str
    why: str | None
    queued_at: datetime


@dataclass
class ProgrammeStats:
    programme_key: str
    programme_name: str
    generated_at: datetime
    funnel: Funnel
    at_risk: list[AtRiskPair] = field(default_factory=list)
    stalled_count: int = 0
    stalled: list[StalledPerson] = field(default_factory=list)
    answer_rates: list[AnswerRate] = field(default_factory=list)
    capacity: Capacity = field(default_factory=lambda: Capacity(0, 0, 0))
    weekly: list[WeeklyActivity] = field(default_factory=list)
    leads_by_platform: dict[str, int] = field(default_factory=dict)  # "x", "bluesky", "mastodon" → accounts
    matches_total: int = 0  # every confirmed match, including those of people who left (anonymous)
    matches_ended: int = 0
    rounds: list[RoundSummary] = field(default_factory=list)  # cohort rounds, oldest first
    pairs_with_goals: int = 0
    goals: dict[str, int] = field(default_factory=dict)  # goals by progress (not_started, under_way, …)
    stories_posted: int = 0
    left_posts: list[LeftPost] = field(default_factory=list)  # public replies to delete by hand, oldest first

    @property
    def overall_answer_rate(self) -> float | None:
        sent = sum(r.sent for r in self.answer_rates)
        return sum(r.answered for r in self.answer_rates) / sent if sent else None


@dataclass(frozen=True)
class CheckinLine:
    """One person's latest check-in in a pair: the step, when it was sent, their answer (None: none yet)."""

    person_id: int
    step_key: str
    sent_at: datetime
    answer: str | None
    step_name: str = ""  # the step's human name, as organisers read it


@dataclass(frozen=True)
class PairLine:
    """An active pair as the organisers' board shows it: at risk (the same rule as ``/programme stats``) and
    each person's latest check-in."""

    match_id: int
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str
    score: float
    kind: str
    started_at: datetime | None
    at_risk: bool
    last_checkins: tuple[CheckinLine, ...] = ()


def stalled_hours(programme: Programme) -> int:
    """Hours of silence after which an onboarding counts as stalled (the first reminder's delay)."""
    hours = programme.config.onboarding_reminders.after_hours
    return int(hours[0]) if hours else DEFAULT_STALLED_HOURS


def mentor_capacity(programme: Programme, profile: dict[str, object]) -> int:
    """How many mentees this profile can take (0 for mentees). Capacity empty = 1 (MATCHING.md)."""
    fields = profile_from_answers(programme.questions, profile)
    if fields.get("role") not in ("mentor", "both"):
        return 0
    cap = fields.get("capacity")
    return cap if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0 else 1


class StatsService:
    def __init__(self, sessions: SessionFactory, clock: Clock, rounds: RoundService | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rounds = rounds or RoundService(sessions, clock)

    async def funnel(self, programme: Programme) -> Funnel:
        async with self._sessions() as session:
            counts = await q.funnel_counts(session=session, programme_id=programme.id)
        return Funnel(**counts)

    async def stalled(self, programme: Programme, *, limit: int | None = None) -> list[StalledPerson]:
        """Onboarding conversations idle past the first reminder's delay, oldest first."""
        now = self._clock.now()
        async with self._sessions() as session:
            rows = await q.stalled_people(session=session, programme_id=programme.id,
                                          idle_since=now - timedelta(hours=stalled_hours(programme)), limit=limit)
        return [StalledPerson(pid, did, name, int((now - last).total_seconds() // 3600), sent, status == PersonStatus.PAUSED)
                for pid, did, name, last, sent, status in rows]

    async def snapshot(self, programme: Programme) -> ProgrammeStats:
        """Everything ``/programme stats`` shows, computed in a fixed number of queries."""
        now = self._clock.now()
        first_week = (now - timedelta(weeks=WEEKS_SHOWN - 1)).date()
        async with self._sessions() as session:
            counts = await q.funnel_counts(session=session, programme_id=programme.id)
            by_platform = await intake_q.lead_counts_by_platform(session=session, programme_id=programme.id)
            counts["leads"] = await intake_q.lead_people_count(session=session, programme_id=programme.id)
            idle_since = now - timedelta(hours=stalled_hours(programme))
            stalled_count = await q.count_stalled(session=session, programme_id=programme.id, idle_since=idle_since)
            stalled_rows = await q.stalled_people(session=session, programme_id=programme.id, idle_since=idle_since,
                                                  limit=STALLED_SHOWN)
            rates = await q.answer_rates(session=session, programme_id=programme.id)
            matches_total, matches_ended = await matching_q.match_totals(session=session, programme_id=programme.id)
            pairs_with_goals, goals = await outcomes_q.goal_counts(session=session, programme_id=programme.id)
            stories = await outcomes_q.stories_posted(session=session, programme_id=programme.id)
            left = await erasure_q.given_up_deletions(session=session, programme_id=programme.id)
            checkins = await q.active_match_checkins(session=session, programme_id=programme.id)
            profiles = await q.mentor_profiles(session=session, programme_id=programme.id)
            used = await q.active_mentees_per_mentor(session=session, programme_id=programme.id)
            events = await q.nudge_events(session=session, programme_id=programme.id,
                                          since=datetime.combine(first_week, datetime.min.time(), now.tzinfo))
            risky = _at_risk_matches(checkins)
            names = await q.person_names(session=session, person_ids=[p for pair in risky.values() for p in pair])
        at_risk_pairs = [
            AtRiskPair(mid, names.get(mentor, ("?", None))[0], names.get(mentee, ("?", None))[0],
                       names.get(mentor, ("?", None))[1], names.get(mentee, ("?", None))[1])
            for mid, (mentor, mentee) in sorted(risky.items())
        ]
        mentors = total = used_total = 0
        for pid, answers in profiles:
            cap = mentor_capacity(programme, answers)
            if cap:
                mentors += 1
                total += cap
                used_total += min(cap, used.get(pid, 0))
        timeline: list[tuple[datetime, str]] = []
        for sent_at, answered_at in events:
            if sent_at is not None:
                timeline.append((sent_at, "sent"))
            if answered_at is not None:
                timeline.append((answered_at, "answered"))
        weekly = weekly_series(timeline, first=first_week, last=now.date())  # type: ignore[arg-type]
        return ProgrammeStats(
            programme_key=programme.key, programme_name=programme.config.name, generated_at=now,
            funnel=Funnel(**counts), at_risk=at_risk_pairs, stalled_count=stalled_count,
            stalled=[StalledPerson(pid, did, name, int((now - last).total_seconds() // 3600), sent, st == PersonStatus.PAUSED)
                     for pid, did, name, last, sent, st in stalled_rows],
            answer_rates=[AnswerRate(k, s, a, programme.config.step_name(k)) for k, s, a in rates],
            capacity=Capacity(mentors, total, used_total), weekly=weekly, leads_by_platform=by_platform,
            matches_total=matches_total, matches_ended=matches_ended, rounds=await self._rounds.summaries(programme),
            pairs_with_goals=pairs_with_goals, goals=goals, stories_posted=stories,
            left_posts=[LeftPost(w.platform or "", w.post_id or "", w.last_error, w.created_at) for w in left],
        )


    async def pair_board(self, programme: Programme) -> list[PairLine]:
        """Every active pair, pairs at risk first, then the newest."""
        async with self._sessions() as session:
            matches = await matching_q.matches_in_programme(session=session, programme_id=programme.id,
                                                            statuses=(MatchStatus.ACTIVE,))
            checkins = await q.active_match_checkins(session=session, programme_id=programme.id)
            names = await q.person_names(session=session, person_ids=sorted(
                {p for m in matches for p in (m.mentor_person_id, m.mentee_person_id)}))
        risky = _at_risk_matches(checkins)
        latest: dict[tuple[int, int], CheckinLine] = {}
        step_names = programme.config.step_names()
        for match_id, _mentor, _mentee, _nid, person_id, step_key, _occ, sent_at, answer in checkins:
            latest[(match_id, person_id)] = CheckinLine(person_id, step_key, sent_at, answer,  # rows by time
                                                        step_names.get(step_key) or step_key)
        lines = [PairLine(
            m.id or 0, m.mentor_person_id, m.mentee_person_id, names.get(m.mentor_person_id, ("?", None))[0],
            names.get(m.mentee_person_id, ("?", None))[0], m.score, m.kind, m.started_at, (m.id or 0) in risky,
            tuple(c for c in (latest.get((m.id or 0, m.mentor_person_id)), latest.get((m.id or 0, m.mentee_person_id)))
                  if c is not None),
        ) for m in matches]
        lines.sort(key=lambda p: (not p.at_risk, -p.match_id))
        return lines


def _at_risk_matches(
    rows: list[tuple[int, int, int, int, int, str, int, datetime, str | None]],
) -> dict[int, tuple[int, int]]:
    """Active matches whose last two check-ins went unanswered → (mentor id, mentee id)."""
    by_match: dict[int, list[NudgeRecord]] = {}
    pairs: dict[int, tuple[int, int]] = {}
    for match_id, mentor, mentee, nudge_id, person_id, step_key, occurrence, sent_at, answer in rows:
        pairs[match_id] = (mentor, mentee)
        by_match.setdefault(match_id, []).append(NudgeRecord(
            nudge_id=nudge_id, person_key=str(person_id), step_key=step_key, sent_at=sent_at,
            answer=_answer(answer), occurrence=occurrence,
        ))
    return {mid: pairs[mid] for mid, history in by_match.items() if at_risk(history)}


def _answer(value: str | None) -> NudgeAnswer | None:
    for known in ("met", "not_yet", "help", "end"):
        if value == known:
            return known
    return None
