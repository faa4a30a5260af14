"""Stepping through a survey (pure): one question at a time, the quote question after a written answer, and
the text shown for each step. The answers so far decide the next step, so a click on an old message, a restart
or a reminder all pick up where the person is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.surveys.config import SurveyConfig, SurveyQuestion
from bot.voice import SurveyWords

StepKind = Literal["question", "quote"]


@dataclass(frozen=True)
class Given:
    """What a person answered to one question (both values None: skipped)."""

    value_int: int | None = None
    value_text: str | None = None
    quote_ok: bool | None = None

    @property
    def skipped(self) -> bool:
        return self.value_int is None and self.value_text is None


@dataclass(frozen=True)
class Step:
    kind: StepKind
    number: int  # 1-based position of the question
    question: SurveyQuestion


def next_step(survey: SurveyConfig, given: Mapping[str, Given]) -> Step | None:
    """The first question not answered yet (or the quote question of a written answer); None when done."""
    for i, q in enumerate(survey.questions, start=1):
        found = given.get(q.key)
        if found is None:
            return Step("question", i, q)
        if q.kind == "text" and found.value_text and found.quote_ok is None:
            return Step("quote", i, q)
    return None


def step_text(survey: SurveyConfig, step: Step, words: SurveyWords) -> str:
    """The words of one step, in the programme's voice (the buttons carry the answers)."""
    q = step.question
    head = f"**{survey.title}** · {step.number}/{len(survey.questions)}"
    if step.kind == "quote":
        return f"{head}\n{q.quote_prompt}"
    text = f"{head}\n{q.prompt}"
    if q.kind == "scale" and (q.low_label or q.high_label):
        text += f"\n-# {q.low} = {q.low_label or words.scale_low} · {q.high} = {q.high_label or words.scale_high}"
    if q.kind == "text":
        text += "\n-# " + (words.write_hint if q.required else words.write_or_skip_hint)
    elif not q.required:
        text += "\n-# " + words.optional_hint
    return text


def check_value(question: SurveyQuestion, value: str) -> Given | None:
    """A clicked or picked value as an answer to ``question``; None when it is not one of its answers."""
    if question.kind == "scale":
        if value.isdigit() and int(value) in question.points:
            return Given(value_int=int(value))
        return None
    if question.kind == "choice":
        return Given(value_text=value) if any(o.value == value for o in question.options) else None
    return None
