"""A programme's matching criteria, declared over its own questions, and their compilation for the engine.

A preset (``bot/onboarding/presets/<name>.toml``, table ``[matching]``) or a programme's config
(``[programme.criteria]``) declares **hard rules** and **scored terms**, each over one of its questions:

rules (``[[matching.rules]]``, ``kind``):
    ``seniority``       the mentor's answer ranks above the mentee's on an ordinal question
                        (``allow_equal = true``: at least as senior)
    ``within_hours``    the UTC offsets of their time zones (a timezone question) differ by at most ``hours``
    ``same_value``      equal answers (single choice) or at least one shared value (multi choice)
    ``different``       excluded organisation: never two people with the same (non-empty) answer
    ``previous_partners``  people paired before are never paired again (always on; declared for the record)
terms (``[[matching.terms]]``, ``kind``, ``weight`` points):
    ``shares_any``      ``weight`` if the answers share a value
    ``overlap``         ``weight`` × |M ∩ E| / |M ∪ E|
    ``coverage``        ``weight`` × |needs of the mentee met by the mentor's offers| / |needs|
    ``ordinal_distance``  ``weight`` × ``points[gap]`` for the seniority gap (last value for larger gaps)
    ``availability_overlap``  ``weight`` × |shared slots| / |mentee's slots|
    ``same_value``      ``weight`` if the answers are equal (e.g. same region)

Eligibility (who may join at all) belongs to the question (``eligible`` values and the kind
``not_eligible`` message); see :mod:`bot.programme.profile`.

The engine has fast built-in slots (a 6-value "phase" set, a subjects set, a goals set, an ordinal stage, a
4-slot availability set, a time zone, an organisation). :func:`compile_matching` binds each declared
criterion to a slot when it fits and to a generic engine criterion otherwise; values keep the programme's own
vocabulary and labels. #EduMentoring's declaration (shared/MATCHING.md) compiles to exactly
``MatchingConfig()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.matching.config import (
    DEFAULT_STAGE_POINTS,
    MAX_AVAILABILITY_VALUES,
    MAX_CAPACITY,
    MAX_PHASE_VALUES,
    CriterionConfig,
    MatchingConfig,
    ScoreWeights,
)
from bot.onboarding.questions import Question

RuleKind = Literal["seniority", "within_hours", "same_value", "different", "previous_partners"]
TermKind = Literal["shares_any", "overlap", "coverage", "ordinal_distance", "availability_overlap", "same_value"]
Slot = Literal["role", "capacity", "timezone", "stage", "phase", "subjects", "goals", "availability",
               "organisation"]


class Rule(BaseModel):
    """A hard rule: a pair that breaks it is never made."""

    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    question: str | None = None
    hours: float = Field(3, ge=0, le=12)
    allow_equal: bool = False

    @model_validator(mode="after")
    def _needs_question(self) -> Rule:
        if self.kind != "previous_partners" and not self.question:
            raise ValueError(f"a {self.kind} rule needs the question it is about")
        return self


class Term(BaseModel):
    """A scored term: points a pair earns."""

    model_config = ConfigDict(extra="forbid")

    kind: TermKind
    question: str
    weight: float = Field(gt=0, le=100)
    points: list[float] | None = Field(None, min_length=2, max_length=12)
    name: str | None = Field(None, max_length=40, description="how the term reads in reasons")


class CheckinDeclaration(BaseModel):
    """A second, lighter relationship: people whose role answer is ``role`` are not mentored but get a
    mentor's occasional check-in (its own nudge plan, ``[programme.checkin_nudges]``). Check-ins use the
    mentors' capacity left after mentoring; seniority may be equal (experienced peers)."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(min_length=1, max_length=50)
    allow_equal_seniority: bool = True


class MatchingDeclaration(BaseModel):
    """A programme's matching criteria over its own questions, plus the engine's tuning knobs."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list, max_length=20)
    terms: list[Term] = Field(default_factory=list, max_length=20)
    checkin: CheckinDeclaration | None = None
    top_k: int = Field(25, ge=1, le=1000)


@dataclass(frozen=True)
class Compiled:
    """The engine's config and which question fills each built-in slot of a person."""

    config: MatchingConfig
    slots: dict[str, str] = field(default_factory=dict)  # slot → question key
    checkin_role: str | None = None  # the role answer of people who get check-ins instead of mentoring

    @property
    def checkin_config(self) -> MatchingConfig:
        """The engine's config for check-ins: the same criteria, seniority may be equal."""
        if self.config.stage_rule == "mentor_senior":
            return self.config.model_copy(update={"stage_rule": "mentor_senior_or_equal"})
        return self.config


def _find(questions: list[Question], key: str, what: str) -> Question:
    q = next((q for q in questions if q.key == key), None)
    if q is None:
        raise ValueError(f"{what}: no question {key!r} (known: {', '.join(x.key for x in questions)})")
    return q


def _structural(questions: list[Question], name: str) -> Question | None:
    return next((q for q in questions if q.profile_field == name), None) or \
        next((q for q in questions if q.key == name), None)


def compile_matching(questions: list[Question], decl: MatchingDeclaration) -> Compiled:
    """Bind the declaration to the engine (see module docs). ValueError names what does not fit."""
    slots: dict[str, str] = {}
    for name in ("role", "capacity"):
        q = _structural(questions, name)
        if q is not None:
            slots[name] = q.key
    if "role" not in slots:
        raise ValueError("a programme needs a role question (mentor, mentee or both)")
    weights: dict[str, float] = {"phase": 0.0, "subjects": 0.0, "goals": 0.0, "stage": 0.0, "availability": 0.0}
    cfg: dict[str, object] = {"timezone_rule": False, "stage_rule": "any", "different_organisation": False,
                              "require_shared_availability": False, "phase_values": [], "top_k": decl.top_k}
    criteria: list[CriterionConfig] = []
    labels: dict[str, str] = {}
    term_labels: dict[str, str] = {}
    for q in questions:
        for o in q.options:
            labels.setdefault(o.value, o.label)

    def bind(slot: str, q: Question) -> bool:
        if slots.get(slot, q.key) != q.key:
            return False
        slots[slot] = q.key
        term_labels.setdefault(slot, q.display_label.lower())
        return True

    def generic(name: str, q: Question, **kw: object) -> None:
        """A generic engine criterion; a rule and a term over the same question and kind become one."""
        for i, c in enumerate(criteria):
            if c.field == q.key and c.kind == kw["kind"]:
                merged = {**c.model_dump(), **kw, "hard": c.hard or bool(kw.get("hard")),
                          "weight": kw.get("weight") or c.weight}
                criteria[i] = CriterionConfig.model_validate({**merged, "name": name if kw.get("weight") else c.name})
                return
        criteria.append(CriterionConfig.model_validate({"name": name, "field": q.key, **kw}))

    for r in decl.rules:
        if r.kind == "previous_partners":
            continue
        q = _find(questions, r.question or "", f"rule {r.kind}")
        if r.kind == "seniority":
            if not q.ordinal or not bind("stage", q):
                raise ValueError(f"seniority rule: {q.key!r} must be the programme's one ordinal question")
            cfg["stage_rule"] = "mentor_senior_or_equal" if r.allow_equal else "mentor_senior"
        elif r.kind == "within_hours":
            if q.kind != "timezone" or not bind("timezone", q):
                raise ValueError(f"within_hours rule: {q.key!r} must be the programme's time-zone question")
            cfg["timezone_rule"], cfg["max_timezone_gap_hours"] = True, r.hours
        elif r.kind == "different":
            if not bind("organisation", q):
                raise ValueError("only one 'different' rule is supported")
            cfg["different_organisation"] = True
        elif q.kind == "multi" and len(q.options) <= MAX_AVAILABILITY_VALUES and bind("availability", q):
            cfg["require_shared_availability"] = True
        else:
            kind = "shared_any" if q.kind == "multi" else "same_choice"
            generic(q.display_label.lower(), q, kind=kind, hard=True)  # (named by its term, if any, below)
    for t in decl.terms:
        q = _find(questions, t.question, f"term {t.kind}")
        name = t.name or q.display_label.lower()
        if t.kind == "ordinal_distance":
            if not q.ordinal:
                raise ValueError(f"ordinal_distance term: {q.key!r} is not an ordinal question")
            if bind("stage", q):
                weights["stage"] = t.weight
                cfg["stage_points"] = t.points or list(DEFAULT_STAGE_POINTS)
            else:
                generic(name, q, kind="ordinal_gap", weight=t.weight, scale=[o.value for o in q.options],
                        ideal_gap=1)
        elif t.kind == "availability_overlap":
            if len(q.options) > MAX_AVAILABILITY_VALUES or not bind("availability", q):
                raise ValueError(f"availability_overlap: {q.key!r} must have at most "
                                 f"{MAX_AVAILABILITY_VALUES} slots and be the only availability question")
            weights["availability"] = t.weight
        elif t.kind == "shares_any" and len(q.options) <= MAX_PHASE_VALUES and q.options and bind("phase", q):
            weights["phase"] = t.weight
            cfg["phase_values"] = [o.value for o in q.options]
        elif t.kind == "overlap" and bind("subjects", q):
            weights["subjects"] = t.weight
        elif t.kind == "coverage" and bind("goals", q):
            weights["goals"] = t.weight
        else:
            kind = {"shares_any": "shared_any", "overlap": "overlap", "coverage": "coverage",
                    "same_value": "same_choice" if q.kind != "multi" else "shared_any"}[t.kind]
            generic(name, q, kind=kind, weight=t.weight)
    if "availability" in slots:
        cfg["availability_values"] = [o.value for o in _find(questions, slots["availability"], "").options]
    else:
        cfg["availability_values"] = []
    if "stage" in slots:
        cfg["stage_scale"] = [o.value for o in _find(questions, slots["stage"], "").options]
    else:
        cfg["stage_scale"] = ["-"]
    if "capacity" in slots:
        cfg["capacity_min"], cfg["capacity_max"] = capacity_bounds(_find(questions, slots["capacity"], ""))
    config = MatchingConfig.model_validate({**cfg, "weights": ScoreWeights(**weights), "criteria": criteria,
                                            "labels": labels, "term_labels": term_labels})
    checkin_role = None
    if decl.checkin is not None:
        role_q = _find(questions, slots["role"], "checkin")
        if role_q.option(decl.checkin.role) is None:
            raise ValueError(f"checkin: {decl.checkin.role!r} is not an option of the role question")
        checkin_role = decl.checkin.role
        if not decl.checkin.allow_equal_seniority:
            raise ValueError("checkin: only equal-or-senior check-ins are supported")
    return Compiled(config, slots, checkin_role)


def capacity_bounds(question: Question) -> tuple[int, int]:
    """The fewest and most mentees a mentor may take: the capacity question's own bounds, so the interview
    refuses what the engine would (ValueError naming the question when they cannot be used)."""
    lo, hi = question.min_value, question.max_value
    if question.kind != "number" or lo is None or hi is None:
        raise ValueError(f"the capacity question {question.key!r} must be a number question with min_value and "
                         "max_value")
    if lo < 1 or hi > MAX_CAPACITY:
        raise ValueError(f"the capacity question {question.key!r} allows {lo}–{hi}; capacity must stay within "
                         f"1–{MAX_CAPACITY}")
    return lo, hi


def apply_overrides(compiled: MatchingConfig, overrides: MatchingConfig) -> MatchingConfig:
    """A programme's ``[programme.matching]`` values that differ from the defaults, laid over the compiled
    config (weights of built-in slots, time-zone gap, criteria, tuning). Capacity bounds are the capacity
    question's (one bound for the interview and the engine): a different value here is refused."""
    default = MatchingConfig().model_dump()
    given = {k: v for k, v in overrides.model_dump().items() if v != default[k]}
    for key in ("capacity_min", "capacity_max"):
        if key in given and given.pop(key) != getattr(compiled, key):
            raise ValueError(f"matching.{key}: a mentor's capacity is bounded by the capacity question "
                             f"({compiled.capacity_min}–{compiled.capacity_max}); change that question's "
                             "min_value/max_value instead")
    if "weights" in given:
        dw = default["weights"]
        given["weights"] = {**compiled.weights.model_dump(),
                            **{k: v for k, v in given["weights"].items() if v != dw[k]}}
    if "criteria" in given:
        given["criteria"] = [*compiled.model_dump()["criteria"], *given["criteria"]]
    return MatchingConfig.model_validate({**compiled.model_dump(), **given})
