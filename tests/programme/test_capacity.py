"""One capacity bound per programme: its capacity question's, shared by the interview and the engine. An
answer outside it is refused at the interview; matching never fails on one (an answer stored under an older
config is brought inside today's bound)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import ProgrammeConfig
from bot.matching.config import MatchingConfig
from bot.matching.engine import match
from bot.onboarding.questions import Question, QuestionsConfig, load_preset
from bot.onboarding.validate import Invalid, Ok, parse_answer
from bot.programme import build_spec, preset_spec

DAY = date(2026, 11, 24)


def _capacity_question(preset: str) -> Question:
    return next(q for q in load_preset(preset) if q.key == "capacity")


def _ten_places() -> QuestionsConfig:
    """#EduMentoring with its capacity question replaced by one that accepts up to 10."""
    q = _capacity_question("edumentoring").model_dump()
    return QuestionsConfig(preset="edumentoring", remove=["capacity"],
                           extra=[Question.model_validate({**q, "max_value": 10, "prompt": "How many? (1–10)"})],
                           order=[x.key for x in load_preset("edumentoring")])


def test_each_preset_bounds_capacity_as_its_interview_does() -> None:
    for preset in ("edumentoring", "libraries", "runtogether"):
        q, cfg = _capacity_question(preset), preset_spec(preset).matching
        assert (cfg.capacity_min, cfg.capacity_max) == (q.min_value, q.max_value)
    assert preset_spec("runtogether").matching.capacity_max >= 12  # RunTogether mentors support a dozen or more
    edu = preset_spec("edumentoring").matching
    assert (edu.capacity_min, edu.capacity_max) == (MatchingConfig().capacity_min, MatchingConfig().capacity_max)


def test_a_capacity_of_8_under_a_bound_of_10_is_matched_not_an_error() -> None:
    spec = build_spec(_ten_places())
    base = {"role": "mentee", "phase": ["secondary"], "subjects": ["maths"], "stage": "trainee",
            "timezone": "Europe/London", "availability": ["weekday-evenings"], "goals": ["planning"]}
    mentor = spec.person({**base, "role": "mentor", "stage": "senior-leader", "capacity": 8}, person_id="m")
    mentees = [spec.person({**base, "organisation": f"S{i}"}, person_id=f"e{i:02d}") for i in range(9)]
    assert mentor.capacity == 8
    result = match([mentor, *mentees], spec.matching, reference_date=DAY)
    assert len(result.pairs) == 8 and len(result.unmatched) == 1


def test_an_answer_stored_under_an_older_bound_never_breaks_matching() -> None:
    spec = preset_spec("runtogether")
    assert spec.person({"role": "mentor", "capacity": 40}, person_id="m").capacity == spec.matching.capacity_max
    assert spec.person({"role": "mentor", "capacity": 0}, person_id="m").capacity == 1


def test_the_interview_refuses_a_capacity_above_the_programmes_bound_and_says_why() -> None:
    q = _capacity_question("runtogether")
    assert parse_answer(q, "12") == Ok(12)
    refused = parse_answer(q, "20")
    assert isinstance(refused, Invalid)
    assert "20 is above the most this programme allows (15)" in refused.message
    assert "Type a whole number from 1 to 15" in refused.message


def test_a_matching_capacity_that_disagrees_with_the_question_stops_the_config() -> None:
    with pytest.raises(ValueError, match="capacity_max.*capacity question"):
        ProgrammeConfig.model_validate({"key": "edu", "name": "Edu", "guild_id": 1,
                                        "matching": {"capacity_max": 12}})
