from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pytest

from bot.onboarding.flow import (
    AskQuestion,
    Done,
    FlowState,
    Notice,
    ShowSummary,
    Step,
    answer,
    back_to_summary,
    change,
    confirm,
    current_step,
    start,
)
from bot.onboarding.profile import to_match_record, validate_profile
from bot.onboarding.questions import Question, QuestionsConfig, build_questions

NOW = datetime(2025, 9, 1, 9, 30, tzinfo=UTC)
TODAY = date(2025, 9, 1)

EDU_MENTOR = {
    "role": "Mentor", "phase": ["secondary"], "subjects": "maths, physics", "stage": "middle-leader",
    "timezone": "London", "availability": ["weekday-evenings"], "goals": "behaviour and planning",
    "capacity": "2", "organisation": "Oak Academy", "consent": "yes",
}
EDU_MENTEE = {**EDU_MENTOR, "role": "mentee", "stage": "early-career"}
LIBRARIES = {
    "role": "mentee", "level": "Emerging Leader", "nation": "Wales", "service_area": ["children", "reading"],
    "goals": "budgeting, working with councillors", "timezone": "Cardiff", "availability": "weekday-daytime",
    "organisation": "Cardiff Libraries", "consent": "I agree",
}
RUNTOGETHER = {
    "role": "mentor", "experience": "coach", "group_size": "10 to 25", "location": "Yorkshire & the Humber",
    "pace": "walk-run, social", "goals": ["routes", "safety"], "timezone": "Leeds", "availability": "weekends",
    "capacity": "three", "organisation": "Harrogate Harriers", "consent": "yes",
}


def run(questions: list[Question], script: Mapping[str, object]) -> tuple[FlowState, Step]:
    """Answer whatever is asked from ``script`` (keyed by question key), round-tripping the state via JSON
    like the cog does, until the summary."""
    state, step = start(questions, today=TODAY)
    for _ in range(60):
        if not isinstance(step, AskQuestion):
            break
        state = FlowState.model_validate_json(state.model_dump_json())
        state, step = answer(questions, state, script[step.question.key], key=step.question.key, today=TODAY)
    return state, step


@pytest.mark.parametrize(("preset", "script"), [
    ("edumentoring", EDU_MENTOR), ("edumentoring", EDU_MENTEE),
    ("libraries", LIBRARIES), ("runtogether", RUNTOGETHER),
])
def test_each_preset_completes_to_a_valid_profile(preset: str, script: Mapping[str, object]) -> None:
    qs = build_questions(QuestionsConfig(preset=preset))
    state, step = run(qs, script)
    assert isinstance(step, ShowSummary) and step.can_confirm
    state, done = confirm(qs, state, NOW)
    assert isinstance(done, Done)
    assert validate_profile(qs, done.answers) == []
    assert done.consent_at == NOW and state.consent_at == NOW.isoformat() and state.current == "done"
    record = to_match_record(done.profile, person_id="42", name="Ada")
    assert record["timezone"] == "Europe/London"
    assert record["role"] == str(script["role"]).lower()


def test_edumentoring_profile_becomes_a_matching_row(edu: list[Question]) -> None:
    state, _ = run(edu, EDU_MENTOR)
    _, done = confirm(edu, state, NOW)
    assert isinstance(done, Done)
    record = to_match_record(done.profile, person_id="42", name="Ada")
    assert record == {
        "id": "42", "name": "Ada", "role": "mentor", "phase": "secondary", "subjects": "maths;physics",
        "stage": "middle-leader", "timezone": "Europe/London", "availability": "weekday-evenings",
        "goals": "behaviour;planning", "capacity": "2", "organisation": "Oak Academy", "previous": "",
    }


WRONG = {
    "role": "captain", "phase": "kindergarten please", "subjects": "underwater basket weaving",
    "stage": "emperor", "timezone": "the moon", "availability": "never", "goals": [],
    "capacity": "99", "organisation": "x" * 500, "consent": "maybe",
}


def test_persona_who_answers_everything_wrong_is_reasked_each_time_and_finishes(edu: list[Question]) -> None:
    state, step = start(edu, today=TODAY)
    reasked: list[str] = []
    while isinstance(step, AskQuestion):
        key = step.question.key
        state, again = answer(edu, state, WRONG[key], key=key, today=TODAY)
        assert isinstance(again, AskQuestion) and again.question.key == key
        assert again.reask_reason  # says what is expected
        assert "Traceback" not in again.reask_reason
        reasked.append(key)
        assert key not in state.answers  # nothing invalid was stored
        state, step = answer(edu, state, EDU_MENTOR[key], key=key, today=TODAY)
    assert reasked == [q.key for q in edu]
    assert isinstance(step, ShowSummary) and step.can_confirm
    _, done = confirm(edu, state, NOW)
    assert isinstance(done, Done) and validate_profile(edu, done.answers) == []


def test_help_text_is_added_after_repeated_wrong_answers(edu: list[Question]) -> None:
    state = FlowState(current="timezone", answers={})
    reasons = []
    for _ in range(3):
        state, step = answer(edu, state, "nowhere-land", key="timezone")
        assert isinstance(step, AskQuestion)
        reasons.append(step.reask_reason or "")
    assert "Manchester" not in reasons[0] and "Manchester" in reasons[2]


def test_capacity_is_skipped_for_mentees(edu: list[Question]) -> None:
    state, step = run(edu, EDU_MENTEE)
    assert isinstance(step, ShowSummary)
    assert "capacity" not in state.answers and "capacity" not in step.keys


def test_changing_role_to_mentee_drops_capacity_and_back_asks_it_again(edu: list[Question]) -> None:
    state, _ = run(edu, EDU_MENTOR)
    state, step = change(edu, state, "role")
    assert isinstance(step, AskQuestion) and step.current_shown == "Mentor"
    state, step = answer(edu, state, "mentee", key="role")
    assert isinstance(step, ShowSummary) and "capacity" not in state.answers
    state, step = change(edu, state, "role")
    state, step = answer(edu, state, "both", key="role")
    assert isinstance(step, AskQuestion) and step.question.key == "capacity"
    state, step = answer(edu, state, "4", key="capacity")
    assert isinstance(step, ShowSummary) and ("Capacity", "4") in step.lines


def test_change_an_answer_from_the_summary_returns_to_the_summary(edu: list[Question]) -> None:
    state, _ = run(edu, EDU_MENTOR)
    state, step = change(edu, state, "timezone", today=TODAY)
    assert isinstance(step, AskQuestion) and step.question.key == "timezone"
    state, step = answer(edu, state, "Lagos", key="timezone", today=TODAY)
    assert isinstance(step, ShowSummary)
    assert step.ack == "Time zone: Africa/Lagos (UTC+1 today)"
    assert state.answers["timezone"] == "Africa/Lagos"


def test_cancelling_a_change_keeps_the_old_answer(edu: list[Question]) -> None:
    state, _ = run(edu, EDU_MENTOR)
    state, _ = change(edu, state, "stage")
    state, step = back_to_summary(edu, state)
    assert isinstance(step, ShowSummary) and state.answers["stage"] == "middle-leader"


def test_consent_no_cannot_be_confirmed_and_explains_why(edu: list[Question]) -> None:
    state, step = run(edu, {**EDU_MENTOR, "consent": "no"})
    assert isinstance(step, ShowSummary)
    consent = next(q for q in edu if q.key == "consent")
    assert not step.can_confirm and step.consent_refused == consent.display_label  # said in the programme's voice
    state, step = confirm(edu, state, NOW)
    assert isinstance(step, ShowSummary) and not step.can_confirm and state.consent_at is None
    state, _ = change(edu, state, "consent")
    state, _ = answer(edu, state, "yes", key="consent")
    _, done = confirm(edu, state, NOW)
    assert isinstance(done, Done)


def test_stale_button_for_an_answered_question_is_polite_and_changes_nothing(edu: list[Question]) -> None:
    state, _ = start(edu)
    state, _ = answer(edu, state, "mentor", key="role")
    before = state.model_dump()
    state, step = answer(edu, state, "mentee", key="role")
    assert isinstance(step, Notice) and "already answered" in step.message
    assert state.model_dump() == before


def test_repeated_identical_answer_is_idempotent(edu: list[Question]) -> None:
    state, _ = start(edu)
    state, _ = answer(edu, state, "mentor", key="role")
    again, step = answer(edu, state, "mentor", key="role")
    assert isinstance(step, Notice) and again == state


def test_answer_for_a_future_question_is_refused(edu: list[Question]) -> None:
    state, _ = start(edu)
    state2, step = answer(edu, state, "yes", key="consent")
    assert isinstance(step, Notice) and state2 == state


def test_ambiguous_timezone_offers_choices_and_accepts_one(edu: list[Question]) -> None:
    state = FlowState(current="timezone", answers={"role": "mentee"})
    state, step = answer(edu, state, "Australia", key="timezone", today=TODAY)
    assert isinstance(step, AskQuestion) and "Australia/Sydney" in step.choices
    state = FlowState.model_validate_json(state.model_dump_json())  # survives a restart mid-choice
    state, step = answer(edu, state, str(step.choices.index("Australia/Perth") + 1), key="timezone", today=TODAY)
    assert state.answers["timezone"] == "Australia/Perth"
    assert isinstance(step, AskQuestion) and step.ack == "Time zone: Australia/Perth (UTC+8 today)"


def test_suggestion_from_a_hashtag_post_can_be_accepted_or_overridden(edu: list[Question]) -> None:
    state, step = start(edu, {"role": "mentee", "subjects": ["maths", "science"], "stage": "wizard"})
    assert isinstance(step, AskQuestion) and step.suggestion == "mentee" and step.suggestion_shown == "Mentee"
    state, step = answer(edu, state, step.suggestion_raw, key="role")
    assert state.answers["role"] == "mentee"
    state, step = answer(edu, state, "primary", key="phase")
    assert isinstance(step, AskQuestion) and step.suggestion == ["maths", "science"]
    state, step = answer(edu, state, "english", key="subjects")  # overrides
    assert state.answers["subjects"] == ["english"]
    assert isinstance(step, AskQuestion) and step.question.key == "stage"
    assert step.suggestion is None  # an invalid suggestion is never offered


def test_restart_resumes_where_the_person_was(edu: list[Question]) -> None:
    state, _ = start(edu)
    for key in ["role", "phase", "subjects"]:
        state, _ = answer(edu, state, EDU_MENTOR[key], key=key)
    stored = state.model_dump_json()
    step = current_step(edu, FlowState.model_validate_json(stored))
    assert isinstance(step, AskQuestion) and step.question.key == "stage"
    assert (step.number, step.total) == (4, 10)


def test_state_from_older_questions_is_repaired(edu: list[Question]) -> None:
    state = FlowState(current="favourite_colour", answers={"role": "mentor", "favourite_colour": "red",
                                                            "capacity": 77})
    step = current_step(edu, state)
    assert isinstance(step, AskQuestion) and step.question.key == "phase"


def test_after_done_further_answers_are_refused(edu: list[Question]) -> None:
    state, _ = run(edu, EDU_MENTOR)
    state, _ = confirm(edu, state, NOW)
    state2, step = answer(edu, state, "mentee", key="role")
    assert isinstance(step, Notice) and state2 == state
    _, step = confirm(edu, state, NOW)
    assert isinstance(step, Notice)


def test_confirm_before_the_end_is_refused(edu: list[Question]) -> None:
    state, _ = start(edu)
    state2, step = confirm(edu, state, NOW)
    assert isinstance(step, Notice) and state2.current == "role"


def test_summary_echo_is_safe(edu: list[Question]) -> None:
    _, step = run(edu, {**EDU_MENTOR, "organisation": "**Oak** @everyone"})
    assert isinstance(step, ShowSummary)
    shown = dict(step.lines)["School / employer"]
    assert "@everyone" not in shown and "**" not in shown


def test_libraries_leader_outside_the_four_nations_is_told_kindly_and_cannot_confirm() -> None:
    qs = build_questions(QuestionsConfig(preset="libraries"))
    state, step = run(qs, {**LIBRARIES, "nation": "Scotland"})
    assert isinstance(step, ShowSummary) and not step.can_confirm
    assert step.blocked_reason is not None
    assert "open to Libraries Connected members in England, Wales, Northern Ireland and the Crown Dependencies" \
        in step.blocked_reason and "Thank you" in step.blocked_reason
    _, refused = confirm(qs, state, NOW)
    assert not isinstance(refused, Done)
