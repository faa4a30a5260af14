"""Answers for each preset, as a person would give them (typed forms where a person would type)."""

from __future__ import annotations

from typing import Any

EDU_MENTOR: dict[str, Any] = {
    "role": "mentor", "phase": ["secondary"], "subjects": ["maths", "physics"], "stage": "senior-leader",
    "timezone": "London", "availability": ["weekday-evenings"], "goals": ["behaviour", "planning"],
    "capacity": 2, "organisation": "Hill School", "consent": True,
}
EDU_MENTEE: dict[str, Any] = {
    "role": "mentee", "phase": ["secondary"], "subjects": ["maths"], "stage": "early-career",
    "timezone": "Europe/Paris", "availability": ["weekday-evenings", "weekends"], "goals": ["behaviour"],
    "organisation": "Vale Academy", "consent": True,
}
LIBRARIES_MENTEE: dict[str, Any] = {
    "role": "mentee", "level": "emerging-leader", "nation": "england", "service_area": ["branches", "children"],
    "goals": ["councillors", "budgeting"], "timezone": "UK", "availability": ["weekday-daytime"],
    "organisation": "Leeds Libraries", "consent": True,
}
RUNTOGETHER_MENTOR: dict[str, Any] = {
    "role": "mentor", "experience": "3-plus-years", "group_size": "10-25", "location": "yorkshire",
    "pace": ["beginner", "steady"], "goals": ["confidence", "routes"], "timezone": "GMT+1",
    "availability": ["weekends"], "capacity": 3, "organisation": "Harrogate Harriers", "consent": True,
}

# what the stored profile must hold for each typed answer
STORED_ZONES = {"London": "Europe/London", "Europe/Paris": "Europe/Paris", "UK": "Europe/London",
                "GMT+1": "Etc/GMT-1"}


def expected_answers(answers: dict[str, Any]) -> dict[str, Any]:
    out = dict(answers)
    out["timezone"] = STORED_ZONES[answers["timezone"]]
    return out
