"""Onboarding questions as data: pydantic models, the shipped presets, and a programme's changes to them.

A programme's config embeds :class:`QuestionsConfig`; :func:`build_questions` turns it into the ordered list
the flow asks. Presets live in ``bot/onboarding/presets/<name>.toml`` (package data).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

QuestionKind = Literal["single", "multi", "number", "timezone", "text", "consent"]

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,49}$")
MAX_SELECT_OPTIONS = 25  # Discord select menus hold at most 25 options
MAX_BUTTONS = 5  # one action row; more options → select menu
MAX_TEXT_LENGTH = 4000  # Discord modal text input limit
RESERVED_KEYS = frozenset({"summary", "done"})


class Option(BaseModel):
    """One choice. ``value`` is stored (lower-case word, custom_id-safe), ``label`` is shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str
    label: str = Field(min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=100)

    @field_validator("value")
    @classmethod
    def _value_ok(cls, v: str) -> str:
        if not VALUE_RE.match(v):
            raise ValueError(
                f"option value {v!r} must be a lower-case word (letters, digits, '-' or '_', up to 50 characters)"
            )
        return v


class Condition(BaseModel):
    """Ask the question only when an earlier answer is one of ``in`` (for a multi answer: shares one)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    key: str
    in_: list[str] = Field(alias="in", min_length=1)


class Question(BaseModel):
    """One onboarding question. See module docs of :mod:`bot.onboarding.validate` for what each kind accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: QuestionKind
    prompt: str = Field(min_length=1, max_length=1500)
    label: str | None = Field(default=None, max_length=45)  # short name: summary line, modal label
    options: list[Option] = Field(default_factory=list)
    min_choices: int | None = Field(default=None, ge=0, le=MAX_SELECT_OPTIONS)
    max_choices: int | None = Field(default=None, ge=1, le=MAX_SELECT_OPTIONS)
    min_value: int | None = None
    max_value: int | None = None
    max_length: int = Field(default=300, ge=1, le=MAX_TEXT_LENGTH)
    required: bool = True
    depends_on: Condition | None = None
    profile_field: str | None = None
    ordinal: bool = False  # single choice whose option order is a rank (career stage)
    help: str | None = Field(default=None, max_length=500)
    # eligibility: only these option values may join the programme; others are told ``not_eligible``
    eligible: list[str] | None = None
    not_eligible: str | None = Field(default=None, max_length=600)

    @field_validator("key")
    @classmethod
    def _key_ok(cls, v: str) -> str:
        if not KEY_RE.match(v) or v in RESERVED_KEYS:
            raise ValueError(
                f"question key {v!r} must start with a lower-case letter and use only a-z, 0-9 and '_' "
                "(up to 32 characters), and not be 'summary' or 'done'"
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"question {self.key!r}: option values must be unique")
        labels = [o.label.casefold() for o in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError(f"question {self.key!r}: option labels must be unique")
        if self.kind in ("single", "multi"):
            if not self.options:
                raise ValueError(f"question {self.key!r}: a {self.kind} question needs options")
            if len(self.options) > MAX_SELECT_OPTIONS:
                raise ValueError(f"question {self.key!r}: at most {MAX_SELECT_OPTIONS} options fit a select menu")
        elif self.options:
            raise ValueError(f"question {self.key!r}: only single and multi questions have options")
        if self.kind == "multi":
            lo, hi = self.choice_range
            if lo > hi or hi > len(self.options):
                raise ValueError(
                    f"question {self.key!r}: choices must satisfy min_choices ≤ max_choices ≤ number of options"
                )
        elif self.min_choices is not None or self.max_choices is not None:
            raise ValueError(f"question {self.key!r}: min_choices/max_choices only apply to multi questions")
        if self.kind == "number":
            if self.min_value is None or self.max_value is None or self.min_value > self.max_value:
                raise ValueError(f"question {self.key!r}: a number question needs min_value ≤ max_value")
        elif self.min_value is not None or self.max_value is not None:
            raise ValueError(f"question {self.key!r}: min_value/max_value only apply to number questions")
        if self.ordinal and self.kind != "single":
            raise ValueError(f"question {self.key!r}: only a single-choice question can be ordinal")
        if self.eligible is not None:
            if self.kind not in ("single", "multi") or not set(self.eligible) <= set(values):
                raise ValueError(f"question {self.key!r}: eligible values must be options of a choice question")
            if not self.not_eligible:
                raise ValueError(f"question {self.key!r}: say kindly why others cannot join (not_eligible)")
        if self.depends_on is not None and self.depends_on.key == self.key:
            raise ValueError(f"question {self.key!r} cannot depend on itself")
        return self

    @property
    def display_label(self) -> str:
        return self.label or self.key.replace("_", " ").capitalize()

    @property
    def choice_range(self) -> tuple[int, int]:
        """(min, max) number of options a multi answer may have."""
        lo = self.min_choices if self.min_choices is not None else (1 if self.required else 0)
        hi = self.max_choices if self.max_choices is not None else len(self.options)
        return lo, hi

    @property
    def widget(self) -> Literal["buttons", "select", "modal", "typed"]:
        """How a Discord front end should ask: buttons (≤ 5 single choices or consent), select, modal."""
        if self.kind == "consent" or (self.kind == "single" and len(self.options) <= MAX_BUTTONS):
            return "buttons"
        if self.kind in ("single", "multi"):
            return "select"
        if self.kind == "text":
            return "modal"
        return "typed"

    def eligibility_problem(self, value: object) -> str | None:
        """The kind message for an answer that puts the person outside the programme (None: eligible)."""
        if self.eligible is None or value in (None, "", []):
            return None
        chosen = value if isinstance(value, list) else [value]
        return None if any(v in self.eligible for v in chosen) else self.not_eligible

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def rank(self, value: str) -> int:
        """Position of ``value`` among the options (0-based) — the ordinal of an ``ordinal`` question."""
        for i, o in enumerate(self.options):
            if o.value == value:
                return i
        raise ValueError(f"{value!r} is not an option of {self.key!r}")


class QuestionsConfig(BaseModel):
    """What a programme's TOML says about its questions (embed under ``[programme.questions]`` or similar)."""

    model_config = ConfigDict(extra="forbid")

    preset: str = "edumentoring"
    extra: list[Question] = Field(default_factory=list)
    order: list[str] | None = None
    remove: list[str] = Field(default_factory=list)


PRESETS = ("edumentoring", "libraries", "runtogether")


@cache
def load_preset(name: str) -> tuple[Question, ...]:
    """The questions of a shipped preset, in order. ValueError for an unknown name."""
    if name not in PRESETS:
        raise ValueError(f"unknown question preset {name!r}; choose one of: {', '.join(PRESETS)}")
    text = resources.files("bot.onboarding").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    try:
        return tuple(Question.model_validate(q) for q in data.get("questions", []))
    except ValidationError as exc:  # a broken shipped preset is a bug; say where
        raise ValueError(f"preset {name!r} is invalid: {exc}") from exc


def build_questions(cfg: QuestionsConfig) -> list[Question]:
    """The ordered questions for a programme: preset − remove + extra, then ``order`` (keys named first,
    the rest after in their original order). Raises ValueError with a clear message on any inconsistency."""
    base = list(load_preset(cfg.preset))
    keys = {q.key for q in base}
    unknown_removed = [k for k in cfg.remove if k not in keys]
    if unknown_removed:
        raise ValueError(f"questions.remove names unknown question(s): {', '.join(unknown_removed)}")
    questions = [q for q in base if q.key not in set(cfg.remove)]
    for q in cfg.extra:
        if any(existing.key == q.key for existing in questions):
            raise ValueError(f"questions.extra: key {q.key!r} is already used by the {cfg.preset!r} preset")
        questions.append(q)
    if cfg.order is not None:
        by_key = {q.key: q for q in questions}
        unknown = [k for k in cfg.order if k not in by_key]
        if unknown:
            raise ValueError(
                f"questions.order names unknown question(s): {', '.join(unknown)}; "
                f"known: {', '.join(by_key)}"
            )
        if len(set(cfg.order)) != len(cfg.order):
            raise ValueError("questions.order names a question twice")
        questions = [by_key[k] for k in cfg.order] + [q for q in questions if q.key not in set(cfg.order)]
    check_questions(questions)
    return questions


def check_questions(questions: list[Question]) -> None:
    """Raise ValueError if keys repeat, a dependency is not an earlier choice question, or fields clash."""
    seen: dict[str, Question] = {}
    fields: set[str] = set()
    for q in questions:
        if q.key in seen:
            raise ValueError(f"question key {q.key!r} appears twice")
        if q.depends_on is not None:
            dep = seen.get(q.depends_on.key)
            if dep is None:
                raise ValueError(
                    f"question {q.key!r} depends on {q.depends_on.key!r}, which must be asked before it"
                )
            if dep.kind not in ("single", "multi", "consent"):
                raise ValueError(f"question {q.key!r} can only depend on a choice question")
            allowed = {o.value for o in dep.options} if dep.options else {"yes", "no"}
            bad = [v for v in q.depends_on.in_ if v not in allowed]
            if bad:
                raise ValueError(f"question {q.key!r} depends on unknown value(s) of {dep.key!r}: {', '.join(bad)}")
        if q.profile_field is not None:
            if q.profile_field in fields:
                raise ValueError(f"two questions fill profile field {q.profile_field!r}")
            fields.add(q.profile_field)
        seen[q.key] = q
