"""A programme's surveys, as data: short questionnaires (1–5 scales, choices, optional free text) sent at points
of the plan — a baseline when a pair is matched, a mid-point some days in, and one at the end of the match or
the round — to mentors and mentees, in their local daytime, with one reminder.

``[[programme.surveys]]`` in the config replaces the question preset's surveys (``bot/surveys/presets``);
``surveys = []`` switches them off. Everything is checked when the config loads, so a bad bound or an unknown
kind stops start-up with the key and the reason.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.nudges.templates import check_template

__all__ = [
    "DEFAULT_QUOTE_PROMPT", "MAX_SCALE_POINTS", "SURVEY_PLACEHOLDERS", "QuestionKind", "Role", "SurveyConfig",
    "check_surveys",
    "SurveyOption", "SurveyPoint", "SurveyQuestion", "SurveyPreset", "load_survey_preset",
]

_STRICT = ConfigDict(extra="forbid")
KEY = r"^[a-z][a-z0-9_]*$"

SurveyPoint = Literal["start", "day", "end"]
QuestionKind = Literal["scale", "choice", "text"]
Role = Literal["mentor", "mentee"]
ROLES: tuple[Role, ...] = ("mentor", "mentee")

#: Placeholders a survey's intro and reminder may use.
SURVEY_PLACEHOLDERS: frozenset[str] = frozenset({"name", "partner", "programme"})
#: Buttons fit one row of a message: a scale has 2 to 5 points.
MAX_SCALE_POINTS = 5
DEFAULT_QUOTE_PROMPT = "May we quote what you wrote, without your name, in reports about the programme?"


class SurveyOption(BaseModel):
    model_config = _STRICT

    value: str = Field(min_length=1, max_length=40, pattern=KEY)
    label: str = Field(min_length=1, max_length=80)


class SurveyQuestion(BaseModel):
    """One question. ``scale``: buttons ``low``..``high`` (at most 5 points), compared baseline → end under its
    ``measure`` (default: its key); ``choice``: a menu of ``options``; ``text``: free text in a form, optional
    unless ``required``, followed by ``quote_prompt`` (may we quote it?)."""

    model_config = _STRICT

    key: str = Field(min_length=1, max_length=40, pattern=KEY)
    kind: QuestionKind
    prompt: str = Field(min_length=1, max_length=300)
    measure: str | None = Field(default=None, min_length=1, max_length=40, pattern=KEY)
    low: int = Field(default=1, ge=0, le=1)
    high: int = Field(default=5, ge=1, le=5)
    low_label: str = Field(default="", max_length=40)
    high_label: str = Field(default="", max_length=40)
    options: list[SurveyOption] = Field(default_factory=list, max_length=25)
    required: bool = True
    quote_prompt: str = Field(default=DEFAULT_QUOTE_PROMPT, min_length=1, max_length=300)

    @model_validator(mode="before")
    @classmethod
    def _text_optional(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "text" and "required" not in data:
            return {**data, "required": False}
        return data

    @model_validator(mode="after")
    def _per_kind(self) -> SurveyQuestion:
        if self.kind == "scale":
            if self.high <= self.low:
                raise ValueError(f"question {self.key!r}: high ({self.high}) must be above low ({self.low})")
            if self.high - self.low + 1 > MAX_SCALE_POINTS:
                raise ValueError(f"question {self.key!r}: a scale has at most {MAX_SCALE_POINTS} points")
            if self.measure is None:
                self.measure = self.key
        elif self.measure is not None:
            raise ValueError(f"question {self.key!r}: only scale questions have a measure")
        if self.kind == "choice":
            if len(self.options) < 2:
                raise ValueError(f"question {self.key!r}: a choice needs at least 2 options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"question {self.key!r}: an option value is used twice")
        elif self.options:
            raise ValueError(f"question {self.key!r}: only choice questions have options")
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.low, self.high + 1))

    def label_of(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)


class SurveyConfig(BaseModel):
    """One ``[[programme.surveys]]`` table. ``at``: ``start`` (when the pair is matched), ``day`` (``day`` days
    in) or ``end`` (when the match ends; with ``before_cohort_end_days``, also that many days before the
    programme's ``cohort_end`` for pairs still going). ``send_within_days``: a survey that could not go out for
    this long after its moment (a bot that was down, a pair matched before surveys existed) is not sent."""

    model_config = _STRICT

    key: str = Field(min_length=1, max_length=40, pattern=KEY)
    title: str = Field(min_length=1, max_length=100)
    at: SurveyPoint
    day: int | None = Field(default=None, ge=1, le=730)
    before_cohort_end_days: int | None = Field(default=None, ge=0, le=365)
    roles: list[Role] = Field(default_factory=lambda: list(ROLES), min_length=1, max_length=2)
    intro: str = Field(min_length=1, max_length=900)
    reminder: str = Field(min_length=1, max_length=900)
    thanks: str = Field(default="Thank you — your answers are saved.", min_length=1, max_length=300)
    reminder_after_days: int = Field(default=3, ge=1, le=30)
    send_within_days: int = Field(default=14, ge=1, le=90)
    questions: list[SurveyQuestion] = Field(min_length=1, max_length=10)

    @field_validator("intro", "reminder")
    @classmethod
    def _templates(cls, value: str) -> str:
        return check_template(value, SURVEY_PLACEHOLDERS)

    @field_validator("roles")
    @classmethod
    def _roles(cls, roles: list[Role]) -> list[Role]:
        if len(set(roles)) != len(roles):
            raise ValueError("a role is listed twice")
        return roles

    @model_validator(mode="after")
    def _timing(self) -> SurveyConfig:
        if self.at == "day" and self.day is None:
            raise ValueError(f"survey {self.key!r}: at = \"day\" needs day (days after the match starts)")
        if self.at != "day" and self.day is not None:
            raise ValueError(f"survey {self.key!r}: day is only for at = \"day\"")
        if self.at != "end" and self.before_cohort_end_days is not None:
            raise ValueError(f"survey {self.key!r}: before_cohort_end_days is only for at = \"end\"")
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"survey {self.key!r}: a question key is used twice")
        return self

    def question(self, key: str) -> SurveyQuestion | None:
        return next((q for q in self.questions if q.key == key), None)

    @property
    def required_keys(self) -> list[str]:
        return [q.key for q in self.questions if q.required]


def check_surveys(surveys: list[SurveyConfig]) -> list[SurveyConfig]:
    """Unique survey keys; a measure is a scale of one range wherever it is asked (baseline and end compare)."""
    seen: set[str] = set()
    ranges: dict[str, tuple[int, int]] = {}
    for survey in surveys:
        if survey.key in seen:
            raise ValueError(f"survey key {survey.key!r} is used twice")
        seen.add(survey.key)
        for q in survey.questions:
            if q.measure is None:
                continue
            found = ranges.setdefault(q.measure, (q.low, q.high))
            if found != (q.low, q.high):
                raise ValueError(f"measure {q.measure!r} is asked on scales {found[0]}–{found[1]} and "
                                 f"{q.low}–{q.high}; use one scale so answers compare")
    return surveys


class SurveyPreset(BaseModel):
    """A preset file: ``[[surveys]]`` tables."""

    model_config = _STRICT

    surveys: list[SurveyConfig] = Field(default_factory=list, max_length=10)

    @field_validator("surveys")
    @classmethod
    def _checked(cls, surveys: list[SurveyConfig]) -> list[SurveyConfig]:
        return check_surveys(surveys)


@lru_cache(maxsize=16)
def load_survey_preset(preset: str) -> tuple[SurveyConfig, ...]:
    """The shipped surveys of a question preset (none for a preset without a file). ValueError if broken."""
    try:
        text = resources.files("bot.surveys").joinpath("presets", f"{preset}.toml").read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    try:
        return tuple(SurveyPreset.model_validate(tomllib.loads(text)).surveys)
    except ValidationError as exc:  # a broken shipped preset is a bug; say where
        raise ValueError(f"the surveys of preset {preset!r} are invalid: {exc}") from exc
