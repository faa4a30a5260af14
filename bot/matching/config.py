"""Matching settings of a programme. The defaults are exactly shared/MATCHING.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CriterionKind = Literal["same_choice", "shared_any", "overlap", "coverage", "ordinal_gap", "numeric_distance"]

#: MATCHING.md's vocabularies: the defaults of a :class:`MatchingConfig` (a programme declares its own).
DEFAULT_PHASES: tuple[str, ...] = ("early-years", "primary", "secondary", "post-16", "higher-education", "special")
DEFAULT_STAGES: tuple[str, ...] = ("trainee", "early-career", "teacher", "middle-leader", "senior-leader",
                                   "headteacher")
DEFAULT_AVAILABILITY: tuple[str, ...] = ("weekday-mornings", "weekday-daytime", "weekday-evenings", "weekends")
#: fraction of the stage points by seniority gap 0, 1, 2, 3, 4 (the last value applies to larger gaps)
DEFAULT_STAGE_POINTS: tuple[float, ...] = (0.0, 1.0, 1.0, 0.5, 0.25)
MAX_PHASE_VALUES = 6  # the phase slot is a 6-bit set in the scoring tables
MAX_AVAILABILITY_VALUES = 4  # the availability slot is a 4-bit set
#: the most mentees any programme lets one mentor take (a sanity ceiling on the capacity question)
MAX_CAPACITY = 100
StageRule = Literal["mentor_senior", "mentor_senior_or_equal", "any"]


class ScoreWeights(BaseModel):
    """Points of each default score term (MATCHING.md: 30/25/25/10/10, total 100)."""

    model_config = ConfigDict(extra="forbid")

    phase: float = Field(30.0, ge=0, le=1000)
    subjects: float = Field(25.0, ge=0, le=1000)
    goals: float = Field(25.0, ge=0, le=1000)
    stage: float = Field(10.0, ge=0, le=1000)
    availability: float = Field(10.0, ge=0, le=1000)


class CriterionConfig(BaseModel):
    """An extra criterion over a programme's own question (an answer stored in ``Person.extra``).

    Kinds (``m`` = the mentor's answer, ``e`` = the mentee's; a missing answer scores 0 and fails a hard rule):

    - ``same_choice``: single choice; soft: ``weight`` if equal; hard: must be equal.
    - ``shared_any``: sets; soft: ``weight`` if they share a value; hard: they share at least one value.
    - ``overlap``: sets; soft: ``weight`` × |m ∩ e| / |m ∪ e|; hard: they share at least one value.
    - ``coverage``: sets (e = wants, m = offers); soft: ``weight`` × |m ∩ e| / |e|; hard: at least
      ``min_coverage`` of e covered (default: at least one value).
    - ``ordinal_gap``: values from ``scale`` (lowest first), gap = rank(m) − rank(e); soft:
      ``weight`` × max(0, 1 − |gap − ideal_gap| / (len(scale) − 1)); hard: ``min_gap`` ≤ gap ≤ ``max_gap``.
    - ``numeric_distance``: numbers; soft: ``weight`` × max(0, 1 − |m − e| / ``max_distance``);
      hard: |m − e| ≤ ``max_distance``.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    field: str = Field(min_length=1, description="key in Person.extra (CSV column name, lower-case)")
    mentor_field: str | None = Field(None, description="the mentor's key when it differs from `field`")
    kind: CriterionKind
    weight: float = Field(0.0, ge=0, le=100)
    hard: bool = False
    scale: list[str] = Field(default_factory=list)
    ideal_gap: int = 0
    min_gap: int | None = None
    max_gap: int | None = None
    min_coverage: float = Field(0.0, ge=0, le=1)
    max_distance: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> CriterionConfig:
        if self.kind == "ordinal_gap" and len(self.scale) < 2:
            raise ValueError(f"criterion {self.name!r}: ordinal_gap needs a scale of at least two values")
        if not self.hard and self.weight == 0:
            raise ValueError(f"criterion {self.name!r}: a soft criterion needs a weight > 0")
        self.scale = [s.strip().lower() for s in self.scale]
        self.field = self.field.strip().lower()
        if self.mentor_field is not None:
            self.mentor_field = self.mentor_field.strip().lower()
        return self

    @property
    def mentor_key(self) -> str:
        return self.mentor_field or self.field


class MatchingConfig(BaseModel):
    """How a programme matches people. ``MatchingConfig()`` is the MATCHING.md default rule."""

    model_config = ConfigDict(extra="forbid")

    weights: ScoreWeights = Field(default_factory=ScoreWeights)
    max_timezone_gap_hours: float = Field(3, ge=0, le=12)
    timezone_rule: bool = Field(True, description="False: people are paired whatever their time zones")
    stage_rule: StageRule = "mentor_senior"
    different_organisation: bool = True
    require_shared_availability: bool = True
    criteria: list[CriterionConfig] = Field(default_factory=list, max_length=20)
    # the programme's own vocabularies of the engine's built-in slots (MATCHING.md's by default)
    stage_scale: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES), min_length=1, max_length=12,
                                   description="the seniority scale, lowest first")
    stage_points: list[float] = Field(default_factory=lambda: list(DEFAULT_STAGE_POINTS), min_length=2,
                                      max_length=12, description="fraction of the stage points by gap 0, 1, 2, …")
    phase_values: list[str] = Field(default_factory=lambda: list(DEFAULT_PHASES), max_length=MAX_PHASE_VALUES)
    availability_values: list[str] = Field(default_factory=lambda: list(DEFAULT_AVAILABILITY),
                                           max_length=MAX_AVAILABILITY_VALUES)
    #: how values read in a pair's reasons (the programme's own option labels); empty: the values themselves
    labels: dict[str, str] = Field(default_factory=dict)
    #: the programme's names of the built-in terms in reasons, e.g. {"stage": "level", "phase": "region"}
    term_labels: dict[str, str] = Field(default_factory=dict)
    top_k: int = Field(25, ge=1, le=1000, description="candidate edges kept per mentor and per mentee")
    full_graph_max_pairs: int = Field(
        300_000, ge=0, description="below this many allowed pairs, every pair goes into the flow (no pruning)"
    )
    max_rounds: int = Field(30, ge=1, le=1000, description="certification rounds before giving up")
    #: the fewest and most mentees a mentor may take (MATCHING.md: 1–5). A programme's are its capacity
    #: question's bounds (:func:`bot.programme.criteria.compile_matching`): the interview and the engine agree.
    capacity_min: int = Field(1, ge=1, le=MAX_CAPACITY)
    capacity_max: int = Field(5, ge=1, le=MAX_CAPACITY)

    @model_validator(mode="after")
    def _capacity_bounds(self) -> MatchingConfig:
        if self.capacity_min > self.capacity_max:
            raise ValueError(f"capacity_min ({self.capacity_min}) is above capacity_max ({self.capacity_max})")
        return self

    def capacity_within(self, capacity: int) -> int:
        """``capacity`` brought inside this programme's bounds (an answer stored under an older config)."""
        return min(max(capacity, self.capacity_min), self.capacity_max)

    @model_validator(mode="after")
    def _unique_names(self) -> MatchingConfig:
        names = [c.name for c in self.criteria]
        reserved = {"phase", "subjects", "goals", "stage", "availability"}
        dup = {n for n in names if names.count(n) > 1 or n in reserved}
        if dup:
            raise ValueError(f"criterion names must be unique and not {sorted(reserved)}: {sorted(dup)}")
        return self

    @property
    def gap_minutes(self) -> float:
        """The largest UTC offset difference allowed, in minutes (beyond any real one without the rule)."""
        return self.max_timezone_gap_hours * 60.0 if self.timezone_rule else float(1 << 40)

    @property
    def stage_rank(self) -> dict[str, int]:
        return {name: rank for rank, name in enumerate(self.stage_scale)}

    def stage_fraction(self, gap: int) -> float:
        """Fraction of the stage points for a seniority gap (0 when the mentor is not senior)."""
        if gap <= 0:
            return 0.0
        return self.stage_points[min(gap, len(self.stage_points) - 1)]

    def label(self, value: str) -> str:
        return self.labels.get(value, value)

    @property
    def max_score(self) -> float:
        """The largest score a pair can get."""
        w = self.weights
        return w.phase + w.subjects + w.goals + w.stage + w.availability + sum(c.weight for c in self.criteria)
