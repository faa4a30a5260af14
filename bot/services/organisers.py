"""Organisers' tools: the audit log, one person's file, profiles CSV export/import, programme set-up.

No discord import. Every method is scoped to one programme: one programme's organisers never see another's
people. Actions that change or reveal data write an audit event (who, what, when).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.config import ProgrammeConfig
from bot.nudges.config import NudgePlanConfig
from bot.onboarding.flow import DONE, FlowState
from bot.onboarding.profile import profile_from_answers
from bot.onboarding.questions import Question
from bot.services.profile_csv import (
    CsvRecord,
    RowProblem,
    read_people_csv,
    split_set,
    write_csv,
    write_matches_csv,
)
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.ids import require_id
from storage.models import AuditEvent, MatchStatus, NudgeStatus, Person, PersonStatus
from storage.queries import audit, matching, onboarding, people, rounds, stats
from storage.queries import organisers as q

NUDGE_PLANS: dict[str, str] = {
    "standard": "Day 3 “have you met?”, week 2 check-in, monthly check-ins, end-of-cohort feedback",
    "light": "Day 3 “have you met?” and monthly check-ins",
    "off": "No automatic check-ins",
}


def nudge_plan(name: str) -> NudgePlanConfig:
    """One of the plans organisers can pick in ``/programme setup``."""
    default = NudgePlanConfig()
    if name == "standard":
        return default
    if name == "light":
        keep = {"day3-met", "monthly-checkin"}
        return NudgePlanConfig(steps=[s for s in default.steps if s.key in keep])
    if name == "off":
        return NudgePlanConfig(steps=[])
    raise ValueError(f"unknown nudge plan {name!r}; choose one of {', '.join(NUDGE_PLANS)}")


def plan_name(plan: NudgePlanConfig) -> str:
    """Which named plan ``plan`` is (``custom`` when it is none of them)."""
    keys = [s.key for s in plan.steps]
    for name in NUDGE_PLANS:
        if [s.key for s in nudge_plan(name).steps] == keys:
            return name
    return "custom"


@dataclass
class SetupDraft:
    """What an organiser chose in the ``/programme setup`` flow. ``None`` = keep the current value."""

    key: str | None = None
    name: str | None = None
    onboarding_channel: str | None = None
    organisers_channel: str | None = None
    pairs_category: str | None = None
    organiser_role: str | None = None
    hashtags: list[str] | None = None
    preset: str | None = None
    cohort_start: date | None = None
    cohort_end: date | None = None
    nudge_plan: str | None = None

    def changes(self) -> dict[str, Any]:
        """The programme settings this draft sets (merged over the config file's values)."""
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.onboarding_channel:
            out["onboarding_channel"] = self.onboarding_channel
        if self.organisers_channel:
            out["leads_channel"] = self.organisers_channel
        if self.organiser_role:
            out["organiser_role"] = self.organiser_role
        if self.pairs_category:
            out["spaces"] = {"category": self.pairs_category}
        if self.hashtags is not None:
            out["intake"] = {"hashtags": list(self.hashtags)}
        if self.preset:
            out["questions"] = {"preset": self.preset}
        if self.cohort_start is not None:
            out["cohort_start"] = self.cohort_start.isoformat()
        if self.cohort_end is not None:
            out["cohort_end"] = self.cohort_end.isoformat()
        if self.nudge_plan:
            out["nudges"] = {"steps": [s.model_dump(mode="json") for s in nudge_plan(self.nudge_plan).steps]}
        return out


@dataclass
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class PersonCard:
    """The person in a file: who they are and where they stand."""

    person_id: int
    display_name: str
    status: PersonStatus
    paused_until: datetime | None
    dms_closed: bool
    discord_user_id: int | None = None


@dataclass(frozen=True)
class ProfileAnswers:
    answers: dict[str, Any]
    version: int


@dataclass(frozen=True)
class MatchLine:
    """One of their matches: its status, their role in it, their partner's name."""

    status: MatchStatus
    role: str
    partner: str
    score: float
    end_reason: str | None
    match_id: int | None = None
    partner_id: int | None = None


@dataclass(frozen=True)
class NudgeLine:
    due_at: datetime
    step: str  # the plan's step, else the nudge's kind
    status: NudgeStatus
    answer: str | None


@dataclass(frozen=True)
class PersonFile:
    """What ``/person`` shows: the person, their profile, their matches and their recent nudges."""

    person: PersonCard
    profile: ProfileAnswers | None
    matches: list[MatchLine]
    nudges: list[NudgeLine]
    onboarding_status: str | None


@dataclass
class ImportReport:
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    history_pairs: int = 0
    unknown_previous: int = 0
    already: int = 0  # rows of people already in the programme (e.g. the bot's own export): not added again
    #: imported people with no consent time (a spreadsheet cannot give it): not matched or paired until they
    #: join the server and finish the interview, which asks for it
    without_consent: int = 0
    #: imported rows with a Discord username: that member is linked to their row when they join
    with_username: int = 0
    #: people imported before who got their Discord username from this file
    usernames_added: int = 0
    #: rows of members who had already joined (their username is a member's): merged with their existing
    #: record instead of added as someone new; their names
    merged: list[str] = field(default_factory=list)


class OrganiserService:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock

    # ---- audit --------------------------------------------------------------------------------------------
    async def record(self, programme: Programme | None, actor: int | None, action: str,
                     detail: dict[str, Any] | None = None) -> None:
        """One audit event: who (Discord id), what, when (the bot's clock)."""
        async with transaction(self._sessions) as session:
            await audit.add_audit_event(session=session, programme_id=programme.id if programme else None,
                                        actor_discord_id=actor, action=action, detail=detail or {},
                                        now=self._clock.now())

    async def audit_page(self, programme: Programme, page: int, per_page: int = 10) -> AuditPage:
        async with self._sessions() as session:
            _, total = await audit.audit_page(session=session, programme_id=programme.id, page=0, per_page=1)
            last = max(0, -(-total // per_page) - 1)
            page = min(max(0, page), last)
            events, total = await audit.audit_page(session=session, programme_id=programme.id, page=page,
                                                   per_page=per_page)
        return AuditPage(events, total, page, per_page)

    # ---- one person ---------------------------------------------------------------------------------------
    async def person_file(self, programme: Programme, discord_user_id: int) -> PersonFile | None:
        async with self._sessions() as session:
            person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                        discord_user_id=discord_user_id)
        return await self.person_file_of(programme, require_id(person)) if person is not None else None

    async def person_file_of(self, programme: Programme, person_id: int) -> PersonFile | None:
        """A person's file by their number in this programme (imported people have no Discord account)."""
        async with self._sessions() as session:
            person = await people.get_person(session=session, person_id=person_id)
            if person is None or person.programme_id != programme.id:
                return None
            pid = require_id(person)
            profile = await people.get_profile(session=session, person_id=pid, programme_id=programme.id)
            rows = [m for m in await matching.matches_of_person(session=session, person_id=pid)
                    if m.programme_id == programme.id]
            matches: list[MatchLine] = []
            for m in rows:
                partner_id = m.mentee_person_id if m.mentor_person_id == pid else m.mentor_person_id
                partner = await people.get_person(session=session, person_id=partner_id)
                matches.append(MatchLine(m.status, "mentor" if m.mentor_person_id == pid else "mentee",
                                         partner.display_name if partner else "(left)", m.score, m.end_reason,
                                         m.id, partner_id))
            recent = [NudgeLine(n.due_at, programme.config.step_name(n.step_key) if n.step_key else str(n.kind),
                                n.status, n.answer)
                      for n in await q.nudges_of_person(session=session, person_id=pid, limit=15)]
            conv = await onboarding.get_session(session=session, person_id=pid, programme_id=programme.id)
        card = PersonCard(pid, person.display_name, person.status, person.paused_until, person.dms_closed,
                          person.discord_user_id)
        return PersonFile(card, ProfileAnswers(dict(profile.answers), profile.version) if profile else None,
                          matches, recent, conv.status if conv else None)

    # ---- CSV export ---------------------------------------------------------------------------------------
    async def export_profiles_csv(self, programme: Programme) -> tuple[str, int]:
        """The programme's profiles as its people CSV (``id,name``, its question keys, ``previous``; for
        #EduMentoring exactly MATCHING.md's columns; ids are the bot's person ids), and the number of rows.
        ``python -m bot match FILE --programme PRESET`` reads it back."""
        async with self._sessions() as session:
            rows = await q.profile_rows(session=session, programme_id=programme.id)
            partners = await q.programme_partners(session=session, programme_id=programme.id)
        records = [programme.spec.record(answers, person_id=str(pid), name=name or f"person {pid}",
                                         previous=[str(p) for p in sorted(partners.get(pid, ()))])
                   for pid, name, _status, answers in rows]
        return write_csv(programme.spec.columns, records), len(records)

    async def export_matches_csv(self, programme: Programme) -> tuple[str, int]:
        """The programme's active and ended pairs, ids as in the profiles CSV."""
        async with self._sessions() as session:
            rows = await q.match_rows(session=session, programme_id=programme.id, statuses=(MatchStatus.ACTIVE, MatchStatus.ENDED))
            names = await stats.person_names(session=session, person_ids=[i for r in rows for i in r[:2]])
            round_names = await rounds.round_names(session=session, programme_id=programme.id)
        out = []
        for mentor, mentee, score, reasons, status, started, ended, kind, round_id in rows:
            out.append({
                "mentor_id": str(mentor), "mentor_name": names.get(mentor, ("", None))[0],
                "mentee_id": str(mentee), "mentee_name": names.get(mentee, ("", None))[0],
                "score": f"{score:.2f}", "status": status, "reasons": reasons,
                "started_at": started.isoformat() if started else "", "ended_at": ended.isoformat() if ended else "",
                "kind": kind, "round": round_names.get(round_id, "") if round_id is not None else "",
            })
        return write_matches_csv(out), len(out)

    # ---- CSV import ---------------------------------------------------------------------------------------
    async def import_profiles_csv(self, programme: Programme, text: str, *, actor: int | None,
                                  server_members: Mapping[str, int] | None = None) -> ImportReport:
        """Bring in a spreadsheet's people: every row validated, broken ones reported with their line
        numbers, the rest stored as people without a Discord account (they can link later). ``server_members``: the
        server's members by username (→ Discord id); a row whose username is a member who has already joined
        the programme is merged with that person (no second record)."""
        records, problems = read_people_csv(text)
        report = ImportReport(problems=list(problems))
        good: list[tuple[CsvRecord, q.ImportedPerson]] = []
        merged: list[tuple[CsvRecord, int, dict[str, Any]]] = []  # (row, the existing person, their answers)
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            members = await people.people_in_programme(session=session, programme_id=programme.id)
            existing = {p.display_name.strip().casefold() for p in members if p.discord_user_id is None}
            # an imported row named again with a Discord username gets it (e.g. the spreadsheet once more, with
            # the new `discord` column): when exactly one not yet linked person has that name and no username
            by_name: dict[str, list[Person]] = {}
            for p in members:
                if p.discord_user_id is None:
                    by_name.setdefault(p.display_name.strip().casefold(), []).append(p)
            usernames = {p.discord_username for p in members if p.discord_username}
            # the bot's own export names people by their person id: those rows are the people themselves
            ours = {(str(p.id), p.display_name.strip().casefold()) for p in members}
            for record in records:
                if (record.id, record.name.casefold()) in ours:
                    report.already += 1
                    continue
                answers, reasons = programme.spec.answers_from_cells(record.cells)
                username, bad = record.discord_username()
                if bad:
                    reasons.append(bad)
                elif username in usernames:
                    reasons.append(f"Discord username {username!r} is already someone's in this programme")
                joined = (server_members or {}).get(username) if username else None
                if not reasons and username and joined is not None:
                    existing_person = await people.get_person_by_discord(session=session, programme_id=programme.id,
                                                                         discord_user_id=joined)
                    if existing_person is not None and existing_person.status != PersonStatus.LEFT:
                        kept = await self._merge_imported(session, programme, existing_person, answers, actor, now)
                        merged.append((record, require_id(existing_person), kept))
                        report.merged.append(existing_person.display_name)
                        usernames.add(username)  # a second row with this username is reported, not merged again
                        continue
                same = by_name.get(record.name.casefold(), [])
                if not reasons and username and len(same) == 1 and same[0].discord_username is None:
                    await people.set_discord_username(session=session, person_id=require_id(same[0]),
                                                      username=username, now=now)
                    usernames.add(username)
                    report.already += 1
                    report.usernames_added += 1
                    continue
                if not reasons and record.name.casefold() in existing:
                    reasons.append(f"{record.name!r} was already imported into this programme")
                if reasons:
                    report.problems.append(RowProblem(record.line, "; ".join(reasons)))
                    continue
                if username:
                    usernames.add(username)
                    report.with_username += 1
                good.append((record, q.ImportedPerson(record.name or record.id, answers, username)))
            ids = await q.add_imported_people(session=session, programme_id=programme.id,
                                              rows=[g[1] for g in good], now=now)
            report.imported = len(ids)
            report.without_consent = len(ids)  # stored with consent_at None: only the person can agree
            by_csv_id = {rec.id.lower(): (pid, imp) for (rec, imp), pid in zip(good, ids, strict=True)}
            by_csv_id |= {rec.id.lower(): (pid, q.ImportedPerson(rec.name, kept)) for rec, pid, kept in merged}
            pairs: set[tuple[int, int]] = set()
            for rec in [g[0] for g in good] + [m[0] for m in merged]:
                me, mine = by_csv_id[rec.id.lower()]
                for other in split_set(rec.cells.get("previous", "")):
                    found = by_csv_id.get(other)
                    if found is None:
                        report.unknown_previous += 1
                        continue
                    pairs.add(_oriented(me, mine.answers, found[0], found[1].answers, programme.questions))
            report.history_pairs = await q.add_history_matches(
                session=session, programme_id=programme.id, pairs=sorted(pairs), now=now)
            await audit.add_audit_event(
                session=session, programme_id=programme.id, actor_discord_id=actor, action="profiles.import",
                detail={"imported": report.imported, "without_consent": report.without_consent,
                        "usernames": report.with_username + report.usernames_added,
                        "rejected": len(report.problems), "merged": len(report.merged),
                        "history_pairs": report.history_pairs}, now=now,
            )
        report.problems.sort(key=lambda p: p.line)
        return report

    async def _merge_imported(self, session: AsyncSession, programme: Programme, person: Person,
                              answers: dict[str, Any], actor: int | None, now: datetime) -> dict[str, Any]:
        """A spreadsheet row of someone already in the programme through Discord: their own answers stand
        (a finished profile is theirs); an interview still under way offers the spreadsheet's answers for
        the questions to come ("The organisers' records say…"); someone with neither gets them as a profile
        without consent, like any imported row. Returns the answers the person now has."""
        pid = require_id(person)
        profile = await people.get_profile(session=session, person_id=pid, programme_id=programme.id)
        if profile is not None and profile.consent_at is not None:
            kept = dict(profile.answers)
        else:
            row = await onboarding.get_session(session=session, person_id=pid, programme_id=programme.id)
            state = FlowState.model_validate(row.state) if row is not None else None
            if row is not None and state is not None and state.current != DONE:
                offered = state.model_copy(update={"suggestions": {**state.suggestions, **answers},
                                                   "suggestions_from": "import"})
                await onboarding.save_state(session=session, session_id=require_id(row), expected_step=row.step,
                                            state=offered.model_dump(mode="json"), now=now)
                kept = {**answers, **state.answers}
            else:
                kept = {**answers, **(profile.answers if profile is not None else {})}
                await people.upsert_profile(session=session, person_id=pid, programme_id=programme.id,
                                            answers=kept, consent_at=None, now=now)
        await audit.add_audit_event(session=session, programme_id=programme.id, actor_discord_id=actor,
                                    action="person.merge_import", detail={"person_id": pid}, now=now)
        return kept

    # ---- set-up -------------------------------------------------------------------------------------------
    def _fenced(self, cfg: ProgrammeConfig) -> None:
        why = self._registry.fence.refusal(cfg)
        if why is not None:
            raise ValueError(why)

    async def apply_setup(self, guild_id: int, draft: SetupDraft, *, existing: Programme | None,
                          actor: int | None) -> Programme:
        """Create the programme (its whole config in the database) or save the changed settings."""
        changes = draft.changes()
        if existing is None:
            if not draft.key or not draft.name:
                raise ValueError("a new programme needs a key and a name")
            if self._registry.get(draft.key) is not None:
                raise ValueError(f"the key '{draft.key}' is already used by another programme; pick another")
            data: dict[str, Any] = {"key": draft.key, "guild_id": guild_id, **changes}
            cfg = ProgrammeConfig.model_validate(data)
            self._fenced(cfg)
            programme = await self._registry.create(cfg)
            action = "programme.create"
        else:
            merged = existing.config.model_dump(mode="json")
            for k, v in changes.items():
                merged[k] = {**merged[k], **v} if isinstance(v, dict) and isinstance(merged.get(k), dict) else v
            self._fenced(ProgrammeConfig.model_validate(merged))  # refuse before saving anything invalid
            programme = await self._registry.save_settings(existing.key, changes)
            action = "programme.setup"
        await self.record(programme, actor, action, {"changed": sorted(changes)})
        return programme


def _oriented(a: int, a_answers: dict[str, Any], b: int, b_answers: dict[str, Any],
              questions: list[Question]) -> tuple[int, int]:
    """(mentor, mentee) of an earlier pair: the one who can mentor first (ids ascending when unclear)."""
    role_a = profile_from_answers(questions, a_answers).get("role")
    role_b = profile_from_answers(questions, b_answers).get("role")
    if role_a == "mentee" or role_b == "mentor":
        return (b, a)
    if role_a == "mentor" or role_b == "mentee":
        return (a, b)
    return (min(a, b), max(a, b))


__all__ = [
    "NUDGE_PLANS", "AuditPage", "ImportReport", "OrganiserService", "PersonFile", "SetupDraft",
    "nudge_plan", "plan_name",
]
