"""From stored profiles to the matching engine's people, for any question preset."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from bot.matching.model import Person as MatchPerson
from bot.onboarding.profile import profile_from_answers
from bot.onboarding.questions import Question

TEACHER_STAGES = ("trainee", "early-career", "teacher", "middle-leader", "senior-leader", "headteacher")
PHASES = ("early-years", "primary", "secondary", "post-16", "higher-education", "special")
AVAILABILITY = ("weekday-mornings", "weekday-daytime", "weekday-evenings", "weekends")


def _as_set(value: Any) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v).strip().lower() for v in value if str(v).strip())
    return frozenset({str(value).strip().lower()})


def to_match_person(
    questions: list[Question],
    answers: Mapping[str, Any],
    *,
    person_id: int,
    name: str,
    previous: Iterable[int] = (),
) -> MatchPerson:
    """The engine's view of one profile.

    Presets other than edumentoring store their own ordered scale in the ``stage`` field (library level,
    running experience): its rank is mapped onto the teacher stages, so "more senior" keeps its meaning.
    Phase values outside MATCHING.md's vocabulary are kept only in ``extra`` (for programme criteria).
    """
    fields = profile_from_answers(questions, answers)
    stage_q = next((q for q in questions if q.profile_field == "stage"), None)
    raw_stage = fields.get("stage")
    stage = "teacher"
    if isinstance(raw_stage, str):
        if raw_stage in TEACHER_STAGES:
            stage = raw_stage
        elif stage_q is not None and stage_q.option(raw_stage) is not None:
            rank = [o.value for o in stage_q.options].index(raw_stage)
            stage = TEACHER_STAGES[min(rank, len(TEACHER_STAGES) - 1)]
    capacity = fields.get("capacity")
    extra = {k: v for k, v in answers.items() if k not in ("consent",)}
    return MatchPerson(
        id=str(person_id),
        role=str(fields.get("role") or "mentee"),
        name=name,
        phase=frozenset(v for v in _as_set(fields.get("phase")) if v in PHASES),
        subjects=_as_set(fields.get("subjects")),
        stage=stage,
        timezone=str(fields.get("timezone") or "UTC"),
        availability=frozenset(v for v in _as_set(fields.get("availability")) if v in AVAILABILITY),
        goals=_as_set(fields.get("goals")),
        capacity=int(capacity) if isinstance(capacity, int) and not isinstance(capacity, bool) else 1,
        organisation=str(fields.get("organisation") or "").strip(),
        previous=frozenset(str(p) for p in previous),
        extra=extra,
    )


def fingerprint(items: Iterable[tuple[Any, ...]]) -> str:
    """A stable digest of what a matching run depended on (profiles, statuses, matches, rules)."""
    digest = hashlib.sha256()
    for item in sorted(items, key=repr):
        digest.update(repr(item).encode())
    return digest.hexdigest()[:32]
