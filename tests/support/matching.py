"""Small profile builders for the matching tests, and an independent dense solver to check the engine against
(scipy's linear_sum_assignment over every pair, a big bonus per matched pair)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from bot.matching import MatchingConfig, check_pair
from bot.matching.explain import breakdown
from bot.matching.model import Person

DAY = date(2026, 11, 24)  # winter: London UTC+0, Paris +1, Kolkata +5:30, New York −5


def person(pid: str, role: str = "mentee", **kw: Any) -> Person:
    defaults: dict[str, Any] = {
        "phase": {"secondary"}, "subjects": {"maths"}, "stage": "early-career" if role == "mentee" else "middle-leader",
        "timezone": "Europe/London", "availability": {"weekday-evenings"}, "goals": {"planning"},
    }
    defaults.update(kw)
    for key in ("phase", "subjects", "availability", "goals", "previous"):
        if key in defaults:
            defaults[key] = frozenset(defaults[key])
    return Person(id=pid, role=role, **defaults)


def mentor(pid: str, **kw: Any) -> Person:
    return person(pid, "mentor", **kw)


def dense_optimum(people: list[Person], config: MatchingConfig) -> tuple[int, float]:
    mentors = [p for p in people if p.can_mentor]
    mentees = [p for p in people if p.can_be_mentee]
    slots = [m for m in mentors for _ in range(m.capacity)]
    bonus = 1e9
    value = np.full((len(mentees), len(slots) + len(mentees)), -1e15)
    value[:, len(slots):] = 0.0
    for a, e in enumerate(mentees):
        for b, m in enumerate(slots):
            if not check_pair(m, e, config, DAY):
                value[a, b] = bonus + sum(breakdown(m, e, config).values())
    rows, cols = linear_sum_assignment(value, maximize=True)
    chosen = cols < len(slots)
    total = sum(sum(breakdown(slots[c], mentees[r], config).values()) for r, c in zip(rows[chosen], cols[chosen], strict=True))
    return int(chosen.sum()), total
