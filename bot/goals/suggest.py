"""Where a mentee's goals start: what they chose in their profile (the question whose ``profile_field`` is
``goals``), as the labels they saw, in the order they chose them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.goals.progress import GOAL_LENGTH, MAX_GOALS
from bot.onboarding.questions import Question


def suggested_goals(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Up to :data:`MAX_GOALS` (label, option value) pairs from the profile's goals answer (none: nothing chosen,
    or the programme asks no such question)."""
    question = next((q for q in questions if q.profile_field == "goals" or q.key == "goals"), None)
    if question is None:
        return []
    chosen = answers.get(question.key)
    values = chosen if isinstance(chosen, list | tuple) else [chosen] if isinstance(chosen, str) and chosen else []
    out: list[tuple[str, str]] = []
    for value in values:
        option = question.option(str(value))
        label = option.label if option is not None else str(value)
        if label and all(label != seen for seen, _ in out):
            out.append((label[:GOAL_LENGTH], str(value)))
    return out[:MAX_GOALS]
