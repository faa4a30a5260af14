"""Matching rounds from stored profiles: preview, confirm (exactly once), manual pairs, unpair, end."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.matching.config import MatchingConfig
from bot.matching.engine import check_pair, match
from bot.matching.model import MatchResult, Unmatched
from bot.matching.model import Person as MatchPerson
from bot.matching.worker import shutdown_worker, solve_in_worker
from bot.services.dm_reach import dms_closed_now
from bot.services.match_people import fingerprint
from bot.services.members import Member
from bot.services.programmes import Programme
from bot.services.rounds import RoundService
from bot.spreadsheet import write_csv
from bot.timezones import is_valid_zone
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import AnnounceStep, Match, MatchStatus, PairRuleKind, Person, PersonStatus, SpaceKind
from storage.queries import audit, matching, people

log = logging.getLogger(__name__)
THREAD_SOLVE_LIMIT = 2_000  # larger cohorts solve in a worker process


class MatchingError(Exception):
    """Something an organiser should be told in plain words."""


@dataclass
class Pool:
    """Who can be matched now, and what the run depends on."""

    people: list[MatchPerson]
    persons: dict[int, Person]
    forced: list[tuple[str, str]]
    forbidden: list[tuple[str, str]]
    load: dict[str, int]
    fingerprint: str
    #: people the programme is not open to (person id → the kind reason they were told)
    ineligible: dict[str, str] = field(default_factory=dict)
    #: people not ready for the current round (person id → why; they stay for the next round)
    not_ready: dict[str, str] = field(default_factory=dict)
    round_id: int | None = None
    #: people who asked for the programme's lighter check-ins (matched after mentoring, on capacity left)
    checkins: list[MatchPerson] = field(default_factory=list)
    #: people who completed their profile after the current round's closing date (person id → why)
    late: dict[str, str] = field(default_factory=dict)
    #: the names of people left out (ineligible, not ready, late), for the organisers' preview
    left_out_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    """A new partner for one person, from the engine (same rules as a round), or why nobody fits."""

    person_id: int
    mentor_id: int | None = None
    mentee_id: int | None = None
    score: float = 0.0
    reasons: str = ""
    names: dict[int, str] = field(default_factory=dict)
    why_not: str = ""  # set when nobody fits


@dataclass
class Preview:
    round_id: int
    result: MatchResult
    names: dict[str, str]
    csv_text: str
    score_stats: dict[str, float] = field(default_factory=dict)


class MatchingService:
    def __init__(self, sessions: SessionFactory, clock: Clock, rounds: RoundService | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rounds = rounds or RoundService(sessions, clock)

    async def pool(self, programme: Programme) -> Pool:
        """Active, unpaused, consenting people; mentees who already have an active mentor are left out."""
        async with self._sessions() as session:
            rows = await people.profiles_in_programme(session=session, programme_id=programme.id)
            all_matches = await matching.matches_in_programme(session=session, programme_id=programme.id)
            rules = await matching.pair_rules(session=session, programme_id=programme.id)
        history: dict[int, set[int]] = defaultdict(set)
        load: Counter[str] = Counter()
        busy_mentees: set[int] = set()
        for m in all_matches:
            history[m.mentor_person_id].add(m.mentee_person_id)
            history[m.mentee_person_id].add(m.mentor_person_id)
            if m.status == MatchStatus.ACTIVE:
                load[str(m.mentor_person_id)] += 1
                busy_mentees.add(m.mentee_person_id)
        persons: dict[int, Person] = {}
        pool: list[MatchPerson] = []
        checkins: list[MatchPerson] = []
        not_ready: dict[str, str] = {}
        late: dict[str, str] = {}
        round_state = await self._rounds.state(programme)
        ineligible: dict[str, str] = {}
        left_out_names: dict[str, str] = {}
        for person, profile in rows:
            if person.status != PersonStatus.ACTIVE or profile.consent_at is None:
                continue
            left_out_names[str(require_id(person))] = person.display_name
            not_open = programme.spec.eligibility_problem(profile.answers)
            if not_open:
                ineligible[str(require_id(person))] = not_open
                continue
            waiting = round_state.not_ready_reason(require_id(person))
            if round_state.joined_late(profile.consent_at) and require_id(person) not in busy_mentees:
                late[str(require_id(person))] = round_state.late_reason()
                continue
            if waiting and require_id(person) not in busy_mentees:
                not_ready[str(require_id(person))] = waiting
                continue
            mp = programme.spec.person(profile.answers, person_id=str(require_id(person)), name=person.display_name,
                                       previous=[str(p) for p in history.get(require_id(person), ())])
            if require_id(person) in busy_mentees:
                if mp.role == "mentee":
                    continue
                if mp.role == "both":
                    mp = _as_mentor_only(mp)
            persons[require_id(person)] = person
            if programme.spec.relationship(profile.answers) == "check-in":
                checkins.append(mp)
            else:
                pool.append(mp)
        forced = [(str(r.mentor_person_id), str(r.mentee_person_id)) for r in rules if r.kind == PairRuleKind.FORCE]
        forbidden = [(str(r.mentor_person_id), str(r.mentee_person_id)) for r in rules if r.kind == PairRuleKind.FORBID]
        fp = fingerprint(
            [("p", pid, persons[pid].status) for pid in persons]
            + [("a", person.id, profile.version) for person, profile in rows if person.id in persons]
            + [("m", m.id, m.status) for m in all_matches]
            + [("r", r.mentor_person_id, r.mentee_person_id, r.kind) for r in rules]
        )
        fp = fingerprint([("fp", fp), ("round", round_state.round.id if round_state.round else None,
                                        round_state.round.status if round_state.round else None),
                          *(("nr", pid) for pid in sorted(not_ready)), *(("late", pid) for pid in sorted(late))])
        return Pool(pool, persons, forced, forbidden, dict(load), fp, ineligible, not_ready,
                    round_state.round.id if round_state.round else None, checkins, late,
                    {pid: left_out_names[pid] for pid in [*ineligible, *not_ready, *late]})

    async def solve(self, programme: Programme, pool: Pool) -> MatchResult:
        """Mentoring, then the programme's lighter check-ins on the mentors' capacity left (one result; the
        check-in pairs are those whose mentee is in ``pool.checkins``)."""
        result = await self._solve(programme, pool)
        if not pool.checkins:
            return result
        load = Counter(pool.load)
        load.update(p.mentor_id for p in result.pairs)
        mentors = [_as_mentor_only(p) if p.role == "both" else p for p in pool.people if p.can_mentor]
        checkin = Pool([*mentors, *pool.checkins], pool.persons, [], pool.forbidden, dict(load), pool.fingerprint)
        second = await self._solve(programme, checkin, programme.spec.compiled.checkin_config)
        pairs = sorted([*result.pairs, *(replace(p, reasons="check-in: " + p.reasons) for p in second.pairs)],
                       key=lambda p: (p.mentor_id, p.mentee_id))
        return MatchResult(pairs, [*result.unmatched, *second.unmatched],
                           round(result.total_score + second.total_score, 6), result.certified and second.certified,
                           result.timings, result.stats)

    async def _solve(self, programme: Programme, pool: Pool, config: MatchingConfig | None = None) -> MatchResult:
        """Run the engine off the event loop: a thread for small cohorts, a worker process for large."""
        kwargs: dict[str, Any] = {
            "reference_date": self._clock.now().date(), "forced": pool.forced, "forbidden": pool.forbidden,
            "active_mentor_load": pool.load,
        }
        valid_ids = {p.id for p in pool.people}
        kwargs["forced"] = [f for f in pool.forced if f[0] in valid_ids and f[1] in valid_ids]
        config = config or programme.spec.matching
        if len(pool.people) <= THREAD_SOLVE_LIMIT:
            return await asyncio.to_thread(match, pool.people, config, **kwargs)
        return await solve_in_worker(pool.people, config, **kwargs)

    async def preview(self, programme: Programme, actor: int | None) -> Preview:
        state = await self._rounds.state(programme)
        today = self._clock.now().date()
        if state.round is not None and state.round.opens_on is not None and today < state.round.opens_on:
            raise MatchingError(f"{state.round.name} starts on {state.round.opens_on:%d %B %Y}; it can be matched "
                                "from then.")
        if state.round is not None and state.round.status == "open":
            if state.round.closes_on is None or today <= state.round.closes_on:
                raise MatchingError(f"{state.round.name} is still open — close it first (`/programme round close`).")
            await self._rounds.close(programme, actor)  # its closing date has passed
        pool = await self.pool(programme)
        result = await self.solve(programme, pool)
        result.unmatched += [Unmatched(pid, f"not eligible: {why}") for pid, why in sorted(pool.ineligible.items())]
        result.unmatched += [Unmatched(pid, why) for pid, why in sorted(pool.not_ready.items())]
        result.unmatched += [Unmatched(pid, why) for pid, why in sorted(pool.late.items())]
        names = {**pool.left_out_names, **{p.id: p.name for p in [*pool.people, *pool.checkins]}}
        checkin_ids = {p.id for p in pool.checkins}
        scores = sorted(p.score for p in result.pairs)
        stats = {}
        if scores:
            stats = {"min": scores[0], "median": scores[len(scores) // 2], "max": scores[-1],
                     "mean": round(sum(scores) / len(scores), 2)}
        summary = {
            "pairs": [{"mentor": int(p.mentor_id), "mentee": int(p.mentee_id), "score": p.score,
                       "reasons": p.reasons, "kind": "check-in" if p.mentee_id in checkin_ids else "mentoring"}
                      for p in result.pairs],
            "unmatched": [{"person": int(u.person_id), "reason": u.reason} for u in result.unmatched],
            "cohort_round": pool.round_id,
            # who is left out of the round and why (each is told once the round is matched)
            "waiting": [*({"person": int(pid), "ineligible": why} for pid, why in sorted(pool.ineligible.items())),
                        *({"person": int(pid), "missing": state.missing(int(pid))} for pid in sorted(pool.not_ready)),
                        *({"person": int(pid), "late": state.round.closes_on.isoformat()}
                          for pid in sorted(pool.late) if state.round is not None and state.round.closes_on)]
            if pool.round_id is not None else [],
            "total_score": result.total_score, "scores": stats,
        }
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            rnd = await matching.add_round(session=session, programme_id=programme.id, created_by=actor,
                                           fingerprint=pool.fingerprint, certified=result.certified,
                                           summary=summary, now=now)
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="match.preview",
                                        detail={"round": rnd.id, "pairs": len(result.pairs),
                                                "unmatched": len(result.unmatched)}, now=now)
        return Preview(require_id(rnd), result, names, pairs_csv(result, names), stats)

    async def rolling_intake(self, programme: Programme) -> tuple[Preview, list[int]] | None:
        """One step of rolling intake, when due (``rhythm.every_days`` after the last run): preview the new
        arrivals against the capacity mentors have left (existing pairs are never touched: matched mentees are
        not in the pool and mentors' active pairs count against their capacity), and confirm at once with
        ``auto_confirm``. None when not due or not a rolling programme."""
        rhythm = programme.config.rhythm
        if rhythm.mode != "rolling":
            return None
        now = self._clock.now()
        async with self._sessions() as session:
            last = await matching.latest_round(session=session, programme_id=programme.id)
        if last is not None and now - last.created_at < timedelta(days=rhythm.every_days) - timedelta(minutes=1):
            return None
        preview = await self.preview(programme, None)
        created = await self.confirm(programme, None) if rhythm.auto_confirm and preview.result.pairs else []
        return preview, created

    async def confirm(self, programme: Programme, actor: int | None) -> list[int]:
        """Make the latest preview real, once; refused when anything it depended on changed."""
        pool = await self.pool(programme)
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            rnd = await matching.latest_preview(session=session, programme_id=programme.id)
            if rnd is None:
                raise MatchingError("There is no preview to confirm — run `/match preview` first.")
            if rnd.profiles_fingerprint != pool.fingerprint:
                raise MatchingError("Profiles or matches changed since that preview — run `/match preview` again.")
            if not await matching.confirm_round(session=session, round_id=require_id(rnd), now=now):
                raise MatchingError("That preview was already confirmed.")
            created = []
            for pair in rnd.summary.get("pairs", []):
                m = await matching.add_match(session=session, match=Match(
                    programme_id=programme.id, round_id=rnd.id, mentor_person_id=int(pair["mentor"]),
                    mentee_person_id=int(pair["mentee"]), score=float(pair["score"]), reasons=str(pair["reasons"]),
                    kind=str(pair.get("kind", "mentoring")), status=MatchStatus.ACTIVE, started_at=now,
                    created_at=now,
                ))
                created.append(require_id(m))
            cohort_round = rnd.summary.get("cohort_round")
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="match.confirm", detail={"round": rnd.id, "pairs": len(created)},
                                        now=now)
        if cohort_round:
            await self._rounds.matched(programme, int(cohort_round), created)
        return created

    async def propose_partner(self, programme: Programme, person_id: int, side: str) -> Proposal:
        """A one-person match for someone left without a partner (``side``: the role they had, "mentor" or
        "mentee"): the engine, with the programme's rules, history (never the same two again), forbidden pairs
        and the capacity mentors have left — nobody in an active pair is moved."""
        pool = await self.pool(programme)
        key = str(person_id)
        me = next((p for p in pool.people if p.id == key), None)
        if me is None:
            return Proposal(person_id, why_not=pool.ineligible.get(key) or pool.not_ready.get(key)
                            or await self._why_not_in_pool(programme, person_id))
        if side == "mentor":
            me = _as_mentor_only(me) if me.role == "both" else me
            others = [p for p in pool.people if p.role == "mentee" and p.id != key]
            if pool.load.get(key, 0) >= me.capacity:
                return Proposal(person_id, why_not=f"they are mentoring at their capacity ({me.capacity}) already")
        else:
            others = [_as_mentor_only(p) if p.role == "both" else p for p in pool.people
                      if p.can_mentor and p.id != key]
        if not others:
            return Proposal(person_id, why_not=f"there is nobody free to be their {'mentee' if side == 'mentor' else 'mentor'} "
                                               "right now")
        one = Pool([me, *others], pool.persons, pool.forced, pool.forbidden, pool.load, pool.fingerprint)
        result = await self._solve(programme, one)
        pair = next((p for p in result.pairs if key in (p.mentor_id, p.mentee_id)), None)
        if pair is None:
            why = next((u.reason for u in result.unmatched if u.person_id == key), "nobody meets the programme's rules")
            return Proposal(person_id, why_not=why)
        names = {int(p.id): p.name for p in one.people}
        return Proposal(person_id, int(pair.mentor_id), int(pair.mentee_id), pair.score, pair.reasons, names)

    async def _why_not_in_pool(self, programme: Programme, person_id: int) -> str:
        async with self._sessions() as session:
            person = await people.get_person(session=session, person_id=person_id)
            profile = await people.get_profile(session=session, person_id=person_id, programme_id=programme.id)
        if person is None or person.programme_id != programme.id:
            return "they are no longer in this programme"
        if profile is None or profile.consent_at is None:
            return "they have not agreed to be matched (their interview is not finished with consent)"
        if person.status != PersonStatus.ACTIVE:
            return f"they are {person.status}, not active"
        return "they already have an active partner"

    async def create_proposed(self, programme: Programme, proposal: Proposal, actor: int | None) -> int:
        """Make a confirmed proposal real, if the engine still proposes the same pair (ValueError: why not)."""
        if proposal.mentor_id is None or proposal.mentee_id is None:
            raise ValueError(proposal.why_not or "there is no proposal")
        side = "mentee" if proposal.person_id == proposal.mentee_id else "mentor"
        again = await self.propose_partner(programme, proposal.person_id, side)
        if (again.mentor_id, again.mentee_id) != (proposal.mentor_id, proposal.mentee_id):
            raise ValueError("things changed since this was proposed: press “Find a new partner” again")
        return await self.create_manual(programme, proposal.mentor_id, proposal.mentee_id, actor, [],
                                        score=again.score, reasons=again.reasons)

    async def check_manual(self, programme: Programme, mentor_pid: int, mentee_pid: int) -> list[str]:
        """Which rules a manual pair breaks (empty when none)."""
        pool = await self.pool(programme)
        by_id = {p.id: p for p in pool.people}
        mentor, mentee = by_id.get(str(mentor_pid)), by_id.get(str(mentee_pid))
        problems: list[str] = []
        if mentor is None:
            return ["the mentor has no complete, active profile"]
        if mentee is None:
            return ["the mentee has no complete, active profile or already has a mentor"]
        problems.extend(check_pair(mentor, mentee, programme.spec.matching, self._clock.now().date()))
        if pool.load.get(mentor.id, 0) >= mentor.capacity:
            problems.append(f"the mentor is at capacity ({mentor.capacity})")
        if (mentor.id, mentee.id) in pool.forbidden:
            problems.append("an organiser forbade this pair")
        return problems

    async def manual_refusal(self, programme: Programme, mentor_pid: int, mentee_pid: int) -> str | None:
        """Why two people may not be paired by hand *at all* — no "pair them anyway" overrides it: someone
        who has not agreed to be matched (no consent, paused, left, another programme) gets no match, no
        space and no DM. None when an organiser may decide."""
        async with self._sessions() as session:
            return await self._refusal(session, programme, mentor_pid, mentee_pid)

    async def _refusal(self, session: Any, programme: Programme, mentor_pid: int, mentee_pid: int) -> str | None:
        for role, pid in (("mentor", mentor_pid), ("mentee", mentee_pid)):
            person = await people.get_person(session=session, person_id=pid)
            if person is None or person.programme_id != programme.id:
                return f"the {role} is not in this programme"
            profile = await people.get_profile(session=session, person_id=pid, programme_id=programme.id)
            if profile is None or profile.consent_at is None:
                if person.discord_user_id is None:  # imported: a spreadsheet cannot consent for them
                    return (f"the {role} was imported and has not agreed to be matched yet (they can, by joining "
                            "the server and finishing the interview)")
                return f"the {role} has not agreed to be matched (their interview is not finished with consent)"
            if person.status != PersonStatus.ACTIVE:
                return f"the {role} is {person.status}, not active"
        return None

    async def create_manual(self, programme: Programme, mentor_pid: int, mentee_pid: int, actor: int | None,
                            broken: list[str], *, score: float = 0.0, reasons: str = "paired by an organiser") -> int:
        """A pair made by an organiser. ValueError (the reason) when :meth:`manual_refusal` refuses it,
        checked again in the transaction that creates the match."""
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            why = await self._refusal(session, programme, mentor_pid, mentee_pid)
            if why is not None:
                raise ValueError(why)
            m = await matching.add_match(session=session, match=Match(
                programme_id=programme.id, mentor_person_id=mentor_pid, mentee_person_id=mentee_pid,
                score=score, reasons=reasons, status=MatchStatus.ACTIVE, started_at=now, created_at=now,
            ))
            await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                        action="match.pair", detail={"match": m.id, "rules_broken": broken}, now=now)
        return require_id(m)

    async def latest_run(self, programme: Programme) -> StoredRun | None:
        """The latest matching run as stored (a preview waiting for confirmation, or confirmed): its pairs with
        scores and reasons, and who was left out and why. Reading it runs nothing."""
        async with self._sessions() as session:
            rnd = await matching.latest_round(session=session, programme_id=programme.id)
            if rnd is None:
                return None
            summary = rnd.summary or {}
            ids = {int(p[k]) for p in summary.get("pairs", []) for k in ("mentor", "mentee")}
            ids |= {int(u["person"]) for u in summary.get("unmatched", [])}
            found = await people.people_with_profiles(session=session, person_ids=tuple(sorted(ids)))
        names = {pid: row[0].display_name for pid, row in found.items()}
        pairs = [RunPair(int(p["mentor"]), int(p["mentee"]), names.get(int(p["mentor"]), "(left)"),
                         names.get(int(p["mentee"]), "(left)"), float(p["score"]), str(p.get("reasons", "")),
                         str(p.get("kind", "mentoring"))) for p in summary.get("pairs", [])]
        unmatched = [(int(u["person"]), names.get(int(u["person"]), "(left)"), str(u.get("reason", "")))
                     for u in summary.get("unmatched", [])]
        return StoredRun(require_id(rnd), str(rnd.status), rnd.created_at, rnd.certified, pairs, unmatched,
                         dict(summary.get("scores") or {}), float(summary.get("total_score") or 0.0))

    async def active_matches(self, programme: Programme) -> list[ActivePair]:
        async with self._sessions() as session:
            rows = await matching.matches_in_programme(session=session, programme_id=programme.id,
                                                       statuses=(MatchStatus.ACTIVE,))
            out = []
            for m in rows:
                mentor = await people.get_person(session=session, person_id=m.mentor_person_id)
                mentee = await people.get_person(session=session, person_id=m.mentee_person_id)
                out.append(ActivePair(require_id(m), m.score, m.space_id, mentor.display_name if mentor else None,
                                      mentee.display_name if mentee else None))
            return out

    async def pending_announcements(self, programme: Programme) -> list[Announcement]:
        return await pending_announcements(self._sessions, programme, self._clock.now())

    async def step_announcement(self, match_id: int, from_state: AnnounceStep, to_state: AnnounceStep, **kw: Any) -> bool:
        return await step_announcement(self._sessions, match_id, from_state, to_state, **kw)

    async def pod_of_mentor(self, programme: Programme, mentor_person_id: int) -> int | None:
        """The space of the mentor's pod (shared by their active matches), if one was made."""
        async with self._sessions() as session:
            return await matching.pod_of_mentor(session=session, programme_id=programme.id,
                                                mentor_person_id=mentor_person_id)

    async def last_space_of_mentor(self, programme: Programme, mentor_person_id: int) -> int | None:
        """The space of the mentor's newest match that had one, ended or not (their archived pod, say)."""
        async with self._sessions() as session:
            return await matching.last_space_of_mentor(session=session, programme_id=programme.id,
                                                       mentor_person_id=mentor_person_id)

    async def active_match_of_mentee(self, programme: Programme, discord_user_id: int) -> int | None:
        """The id of the active match the member is the mentee of, if any."""
        async with self._sessions() as session:
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
            if person is None:
                return None
            person_id = require_id(person)
            for m in await matching.matches_of_person(session=session, person_id=person_id):
                if m.status == MatchStatus.ACTIVE and m.mentee_person_id == person_id and m.programme_id == programme.id:
                    return require_id(m)
        return None

    def close(self) -> None:
        shutdown_worker()


def _as_mentor_only(p: MatchPerson) -> MatchPerson:
    from dataclasses import replace

    return replace(p, role="mentor")


def pairs_csv(result: MatchResult, names: dict[str, str]) -> str:
    """Pairs (and unmatched people) as a CSV an organiser can open in a spreadsheet."""
    rows: list[list[object]] = [[p.mentor_id, names.get(p.mentor_id, ""), p.mentee_id, names.get(p.mentee_id, ""),
                                 f"{p.score:.2f}", p.reasons] for p in result.pairs]
    rows += [["", "", u.person_id, names.get(u.person_id, ""), "", f"unmatched: {u.reason}"] for u in result.unmatched]
    return write_csv(["mentor_id", "mentor", "mentee_id", "mentee", "score", "reasons"], rows)


@dataclass(frozen=True)
class ActivePair:
    """An active pair as the organisers' list shows it (a name is None when the person is gone)."""

    match_id: int
    score: float
    space_id: int | None
    mentor_name: str | None
    mentee_name: str | None


@dataclass(frozen=True)
class RunPair:
    mentor_id: int
    mentee_id: int
    mentor_name: str
    mentee_name: str
    score: float
    reasons: str
    kind: str


@dataclass(frozen=True)
class StoredRun:
    """A matching run as stored: ``status`` is ``preview`` (confirmable) or ``confirmed``."""

    round_id: int
    status: str
    created_at: datetime
    certified: bool
    pairs: list[RunPair]
    unmatched: list[tuple[int, str, str]]  # (person id, name, why)
    scores: dict[str, float]
    total_score: float


@dataclass(frozen=True)
class Announcement:
    """A confirmed pair whose announcement is not finished, with what the cog needs to finish it."""

    match_id: int
    state: AnnounceStep
    space_id: int | None
    reasons: str
    mentor: Member
    mentee: Member
    mentor_zone: str = "UTC"
    mentee_zone: str = "UTC"
    #: the person ids whose link goes straight to the fallback, no DM tried (:func:`bot.services.dm_reach.dms_closed_now`)
    dms_closed: frozenset[int] = frozenset()
    #: the person ids marked closed at all (a DM that gets through clears the mark; unmarked: nothing to write)
    dms_marked: frozenset[int] = frozenset()


async def pending_announcements(sessions: SessionFactory, programme: Programme, now: datetime) -> list[Announcement]:
    async with sessions() as session:
        out = []
        for m in await matching.matches_to_announce(session=session, programme_id=programme.id):
            mentor = await people.get_person(session=session, person_id=m.mentor_person_id)
            mentee = await people.get_person(session=session, person_id=m.mentee_person_id)
            if mentor is not None and mentee is not None:
                zones = []
                for p in (mentor, mentee):
                    prof = await people.get_profile(session=session, person_id=require_id(p), programme_id=programme.id)
                    zone = prof.answers.get("timezone") if prof else None
                    zones.append(zone if isinstance(zone, str) and is_valid_zone(zone) else "UTC")
                closed = frozenset(require_id(p) for p in (mentor, mentee) if dms_closed_now(p, now))
                marked = frozenset(require_id(p) for p in (mentor, mentee) if p.dms_closed)
                out.append(Announcement(require_id(m), m.announce_state, m.space_id, m.reasons, Member.of(mentor),
                                        Member.of(mentee), zones[0], zones[1], closed, marked))
        return out


async def step_announcement(
    sessions: SessionFactory, match_id: int, from_state: AnnounceStep, to_state: AnnounceStep, *,
    space_kind: SpaceKind | None = None,
    space_id: int | None = None, intro_message_id: int | None = None,
) -> bool:
    """Move one pair's announcement forward (guarded: ``False`` when another process moved it)."""
    async with transaction(sessions) as session:
        return await matching.advance_announcement(
            session=session, match_id=match_id, from_state=from_state, to_state=to_state, space_kind=space_kind,
            space_id=space_id, intro_message_id=intro_message_id,
        )
