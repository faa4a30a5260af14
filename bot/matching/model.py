"""Profiles, vocabularies and result types of the matching engine (shared/MATCHING.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.matching.config import DEFAULT_AVAILABILITY, DEFAULT_PHASES, DEFAULT_STAGES

if TYPE_CHECKING:
    from bot.matching.config import MatchingConfig

ROLES: tuple[str, ...] = ("mentor", "mentee", "both")
PHASES: tuple[str, ...] = DEFAULT_PHASES
STAGES: tuple[str, ...] = DEFAULT_STAGES
STAGE_RANK: dict[str, int] = {name: rank for rank, name in enumerate(STAGES)}
AVAILABILITY: tuple[str, ...] = DEFAULT_AVAILABILITY
CAPACITY_RANGE: tuple[int, int] = (1, 5)


def norm_set(values: Iterable[str]) -> frozenset[str]:
    """Trim, lower-case and drop empty values."""
    return frozenset(v.strip().lower() for v in values if v.strip())


@lru_cache(maxsize=4096)
def zone_or_none(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if not name or name != name.strip():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class Person:
    """One participant, with the MATCHING.md fields (values already trimmed and lower-cased).

    ``phase``, ``stage`` and ``availability`` hold values of the programme's own vocabularies
    (``MatchingConfig.phase_values``, ``stage_scale``, ``availability_values``; MATCHING.md's by default).

    ``extra`` holds answers to a programme's own questions (used by custom criteria): a string, a
    number, or a set/list of strings.
    """

    id: str
    role: str
    name: str = ""
    phase: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    stage: str = "teacher"
    timezone: str = "Europe/London"
    availability: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    capacity: int = 1
    organisation: str = ""
    previous: frozenset[str] = frozenset()
    extra: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    @property
    def can_mentor(self) -> bool:
        return self.role in ("mentor", "both")

    @property
    def can_be_mentee(self) -> bool:
        return self.role in ("mentee", "both")


def person_problems(p: Person, config: MatchingConfig | None = None) -> list[str]:
    """What is wrong with a profile under ``config``'s vocabularies (MATCHING.md's by default)."""
    phases = tuple(config.phase_values) if config else PHASES
    stages = tuple(config.stage_scale) if config else STAGES
    slots = tuple(config.availability_values) if config else AVAILABILITY
    problems: list[str] = []
    if not p.id.strip():
        problems.append("empty id")
    if p.role not in ROLES:
        problems.append(f"role {p.role!r} is not one of {', '.join(ROLES)}")
    bad_phase = sorted(p.phase - set(phases))
    if bad_phase:
        problems.append(f"unknown phase {', '.join(bad_phase)} (allowed: {', '.join(phases)})")
    if p.stage not in stages:
        problems.append(f"stage {p.stage!r} is not one of {', '.join(stages)}")
    if zone_or_none(p.timezone) is None:
        problems.append(f"unknown time zone {p.timezone!r}")
    bad_av = sorted(p.availability - set(slots))
    if bad_av:
        problems.append(f"unknown availability {', '.join(bad_av)} (allowed: {', '.join(slots)})")
    lo, hi = (config.capacity_min, config.capacity_max) if config else CAPACITY_RANGE
    if not lo <= p.capacity <= hi:
        problems.append(f"capacity {p.capacity} is not between {lo} and {hi}")
    return problems


@dataclass(frozen=True)
class Pair:
    """A mentor-mentee pair with its score, the score's terms and the reasons in words."""

    mentor_id: str
    mentee_id: str
    score: float
    breakdown: dict[str, float]
    reasons: str
    forced: bool = False


@dataclass(frozen=True)
class Unmatched:
    """A mentee left without a mentor, and why."""

    person_id: str
    reason: str


@dataclass
class MatchResult:
    """The outcome of a match run.

    ``certified`` is True when the assignment is proven optimal over every allowed pair (no pruned pair
    has a negative reduced cost against the flow's dual prices). ``timings`` are seconds per phase;
    ``stats`` counts people, candidate edges, certification rounds, etc.
    """

    pairs: list[Pair]
    unmatched: list[Unmatched]
    total_score: float
    certified: bool
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int | float] = field(default_factory=dict)

    @property
    def matched_count(self) -> int:
        return len(self.pairs)
