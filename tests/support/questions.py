"""Helpers for the interview-question tests."""

from __future__ import annotations

from bot.onboarding.questions import Question


def q_by_key(questions: list[Question], key: str) -> Question:
    return next(q for q in questions if q.key == key)
