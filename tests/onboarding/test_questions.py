from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.onboarding.questions import PRESETS, Option, Question, QuestionsConfig, build_questions
from tests.support.questions import q_by_key

MATCHING_FIELDS = ["role", "phase", "subjects", "stage", "timezone", "availability", "goals", "capacity",
                   "organisation"]


def test_edumentoring_asks_exactly_the_matching_fields_and_consent(edu: list[Question]) -> None:
    assert [q.profile_field for q in edu if q.profile_field] == MATCHING_FIELDS
    assert [q.key for q in edu] == MATCHING_FIELDS + ["consent"]
    assert q_by_key(edu, "consent").kind == "consent"


def test_edumentoring_vocabularies_match_the_contract(edu: list[Question]) -> None:
    values = {q.key: [o.value for o in q.options] for q in edu}
    assert values["role"] == ["mentor", "mentee", "both"]
    assert values["phase"] == ["early-years", "primary", "secondary", "post-16", "higher-education", "special"]
    assert values["stage"] == ["trainee", "early-career", "teacher", "middle-leader", "senior-leader",
                               "headteacher"]
    assert values["availability"] == ["weekday-mornings", "weekday-daytime", "weekday-evenings", "weekends"]
    assert {"behaviour", "planning", "send", "leadership", "wellbeing", "career"} <= set(values["goals"])
    assert {"maths", "english", "science"} <= set(values["subjects"])
    assert all(v == v.lower() and " " not in v for vs in values.values() for v in vs)
    stage = q_by_key(edu, "stage")
    assert stage.ordinal and stage.rank("headteacher") == 5


def test_capacity_is_only_for_mentors_and_between_one_and_five(edu: list[Question]) -> None:
    cap = q_by_key(edu, "capacity")
    assert cap.depends_on is not None
    assert cap.depends_on.key == "role" and cap.depends_on.in_ == ["mentor", "both"]
    assert (cap.min_value, cap.max_value) == (1, 5)
    assert not q_by_key(edu, "organisation").required


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads_with_role_timezone_and_consent(preset: str) -> None:
    qs = build_questions(QuestionsConfig(preset=preset))
    kinds = {q.kind for q in qs}
    assert {"single", "multi", "timezone", "consent"} <= kinds
    assert "role" in {q.key for q in qs}


def test_libraries_and_runtogether_have_their_own_topics() -> None:
    lib = build_questions(QuestionsConfig(preset="libraries"))
    assert {"budgeting", "restructures", "councillors"} <= {o.value for o in q_by_key(lib, "goals").options}
    run = build_questions(QuestionsConfig(preset="runtogether"))
    assert {"experience", "group_size", "location", "pace"} <= {q.key for q in run}


def test_programme_can_add_remove_and_reorder_questions() -> None:
    extra = Question(key="pronouns", kind="text", prompt="Your pronouns?", required=False, max_length=30)
    qs = build_questions(QuestionsConfig(extra=[extra], remove=["organisation"],
                                         order=["role", "pronouns", "timezone"]))
    keys = [q.key for q in qs]
    assert keys[:3] == ["role", "pronouns", "timezone"]
    assert "organisation" not in keys and keys[-1] == "consent"


def test_config_can_come_from_toml_like_dicts() -> None:
    cfg = QuestionsConfig.model_validate({"preset": "runtogether", "extra": [
        {"key": "parkrun", "kind": "consent", "prompt": "Do you run parkrun?", "required": False},
        {"key": "parkrun_home", "kind": "text", "prompt": "Which one?", "depends_on": {"key": "parkrun", "in": ["yes"]}},
    ]})
    qs = build_questions(cfg)
    assert qs[-1].key == "parkrun_home"


def test_unknown_preset_or_order_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown question preset 'schools'"):
        build_questions(QuestionsConfig(preset="schools"))
    with pytest.raises(ValueError, match="order names unknown question.*favourite_colour"):
        build_questions(QuestionsConfig(order=["role", "favourite_colour"]))
    with pytest.raises(ValueError, match="remove names unknown"):
        build_questions(QuestionsConfig(remove=["nope"]))
    with pytest.raises(ValueError, match="already used"):
        build_questions(QuestionsConfig(extra=[Question(key="role", kind="text", prompt="x")]))


def test_a_dependency_must_be_asked_first() -> None:
    with pytest.raises(ValueError, match="must be asked before it"):
        build_questions(QuestionsConfig(order=["capacity", "role"]))


@pytest.mark.parametrize("bad", [
    {"key": "Bad Key", "kind": "text", "prompt": "x"},
    {"key": "summary", "kind": "text", "prompt": "x"},
    {"key": "a", "kind": "single", "prompt": "x", "options": []},
    {"key": "a", "kind": "single", "prompt": "x",
     "options": [{"value": "x", "label": "X"}, {"value": "x", "label": "Y"}]},
    {"key": "a", "kind": "multi", "prompt": "x",
     "options": [{"value": f"o{i}", "label": f"O{i}"} for i in range(26)]},
    {"key": "a", "kind": "number", "prompt": "x"},
    {"key": "a", "kind": "number", "prompt": "x", "min_value": 5, "max_value": 1},
    {"key": "a", "kind": "multi", "prompt": "x", "min_choices": 3, "options": [{"value": "x", "label": "X"}]},
    {"key": "a", "kind": "single", "prompt": "x", "options": [{"value": "Has Space", "label": "X"}]},
    {"key": "a", "kind": "text", "prompt": "x", "max_length": 5000},
])
def test_invalid_question_definitions_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Question.model_validate(bad)


def test_widget_follows_discord_limits() -> None:
    few = Question(key="a", kind="single", prompt="x", options=[Option(value=f"o{i}", label=f"O{i}") for i in range(5)])
    many = Question(key="b", kind="single", prompt="x", options=[Option(value=f"o{i}", label=f"O{i}") for i in range(6)])
    assert few.widget == "buttons" and many.widget == "select"
    assert Question(key="c", kind="text", prompt="x").widget == "modal"
