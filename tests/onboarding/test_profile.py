from __future__ import annotations

from bot.onboarding.profile import MATCH_COLUMNS, to_match_record, validate_profile
from bot.onboarding.questions import Question

MENTOR = {
    "role": "mentor", "phase": ["primary", "secondary"], "subjects": ["maths"], "stage": "senior-leader",
    "timezone": "Europe/London", "availability": ["weekday-evenings", "weekends"], "goals": ["behaviour"],
    "capacity": 2, "organisation": "Oak Academy", "consent": True,
}


def test_match_record_has_exactly_the_matching_columns_in_order() -> None:
    record = to_match_record(MENTOR, person_id="123", name="Ada")
    assert tuple(record) == MATCH_COLUMNS
    assert record["phase"] == "primary;secondary"
    assert record["availability"] == "weekday-evenings;weekends"
    assert record["capacity"] == "2"
    assert record["previous"] == ""
    assert all(isinstance(v, str) for v in record.values())


def test_mentee_capacity_is_left_empty_and_previous_is_a_set() -> None:
    mentee = {**MENTOR, "role": "mentee", "capacity": None}
    record = to_match_record(mentee, person_id="9", name="Bo", previous=["1", "2"])
    assert record["capacity"] == "" and record["previous"] == "1;2"


def test_names_with_newlines_or_semicolons_stay_one_cell() -> None:
    record = to_match_record({**MENTOR, "organisation": "A;B\nC"}, person_id="1", name="Zoë\n👩🏽‍💻")
    assert record["name"] == "Zoë 👩🏽‍💻"
    assert "\n" not in record["organisation"]


def test_complete_answers_are_valid(edu: list[Question]) -> None:
    assert validate_profile(edu, MENTOR) == []


def test_problems_are_reported_in_words(edu: list[Question]) -> None:
    problems = validate_profile(edu, {**MENTOR, "capacity": 9, "consent": False, "stage": "wizard"})
    text = " | ".join(problems)
    assert "Capacity" in text and "Consent" in text and "Career stage" in text
    mentee_with_capacity = {**MENTOR, "role": "mentee"}
    assert any("does not apply" in p for p in validate_profile(edu, mentee_with_capacity))
    missing = {k: v for k, v in MENTOR.items() if k != "timezone"}
    assert any("Time zone: not answered" in p for p in validate_profile(edu, missing))
