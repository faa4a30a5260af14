"""Small profile builders for the matching tests."""

from __future__ import annotations

from datetime import date
from typing import Any

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
