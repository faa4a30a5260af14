"""Turning a nudge plan into dated nudges for one match, and re-planning after the plan is edited.

Pure and deterministic: the same inputs always give the same list, in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.nudges.config import NudgeKind, NudgePlanConfig, NudgeStep, QuietHoursConfig
from bot.nudges.quiet import first_instant_at, get_zone, next_allowed
from storage.models import NudgeStatus

__all__ = [
    "ExistingNudge",
    "NudgeIdentity",
    "PlannedNudge",
    "replan",
    "schedule_for_match",
    "week_number",
]

#: Safety cap on how many times one repeating step is expanded for one person.
MAX_OCCURRENCES = 1000

#: (match_id, person_key, step_key, occurrence): what makes a planned nudge the same nudge across re-plans.
NudgeIdentity = tuple[int, str, str, int]


@dataclass(frozen=True, slots=True)
class PlannedNudge:
    """One nudge to one person. ``due_at`` is aware UTC and already outside that person's quiet hours.

    ``occurrence`` counts from 1 for each (match, person, step); ``base_at`` is the time the plan asked for
    before moving it out of quiet hours.
    """

    match_id: int
    person_key: str
    step_key: str
    kind: NudgeKind
    due_at: datetime
    occurrence: int
    base_at: datetime

    @property
    def identity(self) -> NudgeIdentity:
        return (self.match_id, self.person_key, self.step_key, self.occurrence)


@dataclass(frozen=True, slots=True)
class ExistingNudge:
    """A nudge already stored, as :func:`replan` needs to see it (build it from the storage row).

    ``status`` is the row's: ``pending`` nudges due in the future may be replaced; everything else
    (claimed, sent, failed, or pending but already due) is the past and is kept; ``cancelled`` ones are
    ignored.
    """

    id: int | None
    match_id: int
    person_key: str
    step_key: str
    occurrence: int
    kind: str
    due_at: datetime
    status: str

    @property
    def identity(self) -> NudgeIdentity:
        return (self.match_id, self.person_key, self.step_key, self.occurrence)


def week_number(start: datetime, when: datetime) -> int:
    """Week of the match that ``when`` falls in: 1 for the first seven days."""
    return max((when - start) // timedelta(days=7), 0) + 1


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timezone-aware datetimes are required")
    return value.astimezone(UTC)


def _relative_bases(step: NudgeStep, start: datetime, limit: datetime) -> list[datetime]:
    first = step.first_day
    assert first is not None
    bases: list[datetime] = []
    at = start + timedelta(days=first)
    while at < limit and len(bases) < MAX_OCCURRENCES:
        bases.append(at)
        if step.every_days is None:
            break
        at += timedelta(days=step.every_days)
    return bases


def schedule_for_match(
    plan: NudgePlanConfig,
    *,
    match_id: int,
    start: datetime,
    horizon_end: datetime,
    cohort_end: date | None,
    tz_by_person: Mapping[str, str],
    quiet: QuietHoursConfig,
    quiet_by_person: Mapping[str, QuietHoursConfig] | None = None,
) -> list[PlannedNudge]:
    """Every nudge the plan asks for, for each person of one match.

    - ``day``/``every_days`` steps are due ``day`` (then every ``every_days``) days after ``start``, at the
      same instant of day as the start; repeats are expanded while the planned time is before
      ``horizon_end`` (the match's end, or how far ahead to plan) and, for a programme with cohorts,
      before the day after ``cohort_end`` (00:00 UTC).
    - ``before_cohort_end_days`` steps are due once, at ``plan.cohort_local_time`` in each person's own
      zone on ``cohort_end - before_cohort_end_days``; skipped when ``cohort_end`` is None or that time is
      before ``start``. ``horizon_end`` does not cut them off.
    - Every time is then moved to the person's next allowed moment (``quiet``, or their entry in
      ``quiet_by_person``).

    If two nudges of the same kind for the same person land on the same moment after that move, only the
    one planned last is kept (nobody gets two check-ins at once). The result is sorted by
    (due_at, person_key, step_key, occurrence).
    """
    start = _as_utc(start)
    limit = _as_utc(horizon_end)
    if cohort_end is not None:
        limit = min(limit, datetime.combine(cohort_end + timedelta(days=1), time(0), tzinfo=UTC))
    out: list[PlannedNudge] = []
    for person in sorted(tz_by_person):
        zone = tz_by_person[person]
        tz = get_zone(zone)
        person_quiet = (quiet_by_person or {}).get(person, quiet)
        for step in plan.steps:
            if step.before_cohort_end_days is not None:
                if cohort_end is None:
                    continue
                day = cohort_end - timedelta(days=step.before_cohort_end_days)
                base = first_instant_at(day, plan.cohort_local_time, tz)
                bases = [base] if base >= start else []
            else:
                bases = _relative_bases(step, start, limit)
            for occurrence, base in enumerate(bases, start=1):
                out.append(
                    PlannedNudge(
                        match_id=match_id,
                        person_key=person,
                        step_key=step.key,
                        kind=step.kind,
                        due_at=next_allowed(base, zone, person_quiet),
                        occurrence=occurrence,
                        base_at=base,
                    )
                )
    return _drop_collisions(out)


def _drop_collisions(nudges: list[PlannedNudge]) -> list[PlannedNudge]:
    """Two nudges of the same kind for the same person moved to the same moment (say, both out of an
    excluded weekend to Monday 08:00): keep only the one the plan asked for last."""
    chosen: dict[tuple[str, str, datetime], PlannedNudge] = {}
    for n in nudges:
        slot = (n.person_key, n.kind, n.due_at)
        current = chosen.get(slot)
        if current is None or (n.base_at, n.step_key, n.occurrence) > (
            current.base_at,
            current.step_key,
            current.occurrence,
        ):
            chosen[slot] = n
    return sorted(chosen.values(), key=lambda n: (n.due_at, n.person_key, n.step_key, n.occurrence))


def replan(
    existing: Sequence[ExistingNudge], new: Sequence[PlannedNudge], now: datetime
) -> tuple[list[ExistingNudge], list[PlannedNudge]]:
    """What to change after a plan edit: ``(to_cancel, to_add)``. Only the future changes.

    - Kept as they are: nudges already claimed/sent/failed, and pending ones already due (``due_at <= now``;
      the dispatcher will send them); a new nudge with the same identity is then not added again.
    - A pending future nudge that the new plan has with the same identity, kind and due time is kept.
    - Every other pending future nudge is cancelled.
    - New nudges due after ``now`` whose identity is not kept are added; new nudges whose time has already
      passed are not (adding a day-3 step on day 10 sends nothing now).
    - ``cancelled`` rows are ignored.
    Both lists come back in a stable order (cancel: as given; add: as ``new``).
    """
    now = _as_utc(now)
    new_by_id: dict[NudgeIdentity, PlannedNudge] = {n.identity: n for n in new}
    kept: set[NudgeIdentity] = set()
    to_cancel: list[ExistingNudge] = []
    for row in existing:
        if row.status == NudgeStatus.CANCELLED:
            continue
        due = _as_utc(row.due_at)
        if row.status != NudgeStatus.PENDING or due <= now:
            kept.add(row.identity)
            continue
        wanted = new_by_id.get(row.identity)
        if wanted is not None and wanted.kind == row.kind and wanted.due_at == due:
            kept.add(row.identity)
        else:
            to_cancel.append(row)
    to_add = [n for n in new if n.identity not in kept and n.due_at > now]
    return to_cancel, to_add
