"""From onboarding answers to a profile and to a MATCHING.md CSV row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from bot.onboarding.questions import Question
from bot.onboarding.safe_text import clean_input
from bot.onboarding.validate import AnswerValue, check_value

MATCH_COLUMNS: tuple[str, ...] = (
    "id", "name", "role", "phase", "subjects", "stage", "timezone",
    "availability", "goals", "capacity", "organisation", "previous",
)
SET_COLUMNS = frozenset({"phase", "subjects", "availability", "goals", "previous"})
V = TypeVar("V")


def is_active(q: Question, answers: Mapping[str, object]) -> bool:
    """Whether ``q`` applies given the answers so far (its ``depends_on`` holds)."""
    cond = q.depends_on
    if cond is None:
        return True
    value = answers.get(cond.key)
    if isinstance(value, bool):
        return ("yes" if value else "no") in cond.in_
    if isinstance(value, list):
        return any(v in cond.in_ for v in value)
    return isinstance(value, str) and value in cond.in_


def active_answers(questions: Iterable[Question], answers: Mapping[str, V]) -> dict[str, V]:
    """Answers for known questions whose dependency holds, in question order (dependants of dropped
    answers are dropped too)."""
    kept: dict[str, V] = {}
    for q in questions:
        if q.key in answers and is_active(q, kept):
            kept[q.key] = answers[q.key]
    return kept


def validate_profile(questions: list[Question], answers: Mapping[str, object]) -> list[str]:
    """Problems with a complete set of answers (empty list = valid, ready to store and match)."""
    problems: list[str] = []
    known = {q.key for q in questions}
    for key in answers:
        if key not in known:
            problems.append(f"{key}: not a question of this programme")
    for q in questions:
        active = is_active(q, answers)
        if not active:
            if q.key in answers:
                problems.append(f"{q.display_label}: answered but does not apply")
            continue
        if q.key not in answers:
            if q.required or q.kind == "consent":
                problems.append(f"{q.display_label}: not answered")
            continue
        problem = check_value(q, answers[q.key]) or q.eligibility_problem(answers[q.key])
        if problem:
            problems.append(problem)
        elif q.kind == "consent" and q.required and answers[q.key] is not True:
            problems.append(f"{q.display_label}: consent is required to take part")
    return problems


def profile_from_answers(questions: list[Question], answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Answers re-keyed by ``profile_field`` (questions without one are left out)."""
    out: dict[str, AnswerValue] = {}
    for q in questions:
        if q.profile_field and q.key in answers and is_active(q, answers):
            value = answers[q.key]
            if value is None or isinstance(value, str | int | bool | list):
                out[q.profile_field] = value
    return out


def _cell(value: object) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, list | tuple | set | frozenset):
        items = [clean_input(str(v)).replace(";", ",") for v in value]
        return ";".join(i for i in items if i)
    return clean_input(str(value))


def to_match_record(answers: Mapping[str, object], *, person_id: str, name: str,
                    previous: Iterable[str] = ()) -> dict[str, str]:
    """Exactly the MATCHING.md columns, in order, as strings. ``answers`` is keyed by profile field (see
    :func:`profile_from_answers`; for the edumentoring preset the question keys are the field names).
    Sets are ``a;b;c``; capacity is empty for mentees and when unanswered (empty = 1)."""
    if not person_id.strip():
        raise ValueError("person_id must not be empty")
    record = {col: "" for col in MATCH_COLUMNS}
    for col in MATCH_COLUMNS[2:-1]:
        record[col] = _cell(answers.get(col))
    if record["role"] == "mentee":
        record["capacity"] = ""
    record["id"] = clean_input(person_id)
    record["name"] = clean_input(name)
    record["previous"] = _cell(list(previous))
    return record
