"""Goals as data: what a mentee typed becomes one to three clean goals, a profile's choices become the first
ones, and the totals count every state without naming anyone."""

from __future__ import annotations

from bot.goals import GoalView, PairGoals, checkin_goals, clean_goals, goal_lines, suggested_goals, totals
from bot.onboarding.questions import QuestionsConfig, build_questions
from bot.voice import GoalWords, load_voice


def test_typed_goals_are_trimmed_deduplicated_and_at_most_three() -> None:
    typed = ["  Plan a   term of lessons ", "", "plan a term of lessons", "Behaviour", "Wellbeing", "Workload"]
    assert clean_goals(typed) == ["Plan a term of lessons", "Behaviour", "Wellbeing"]
    assert clean_goals(["x" * 400])[0] == "x" * 150
    assert clean_goals([None, "  "]) == []


def test_profile_choices_become_the_first_goals_in_the_words_people_chose() -> None:
    questions = build_questions(QuestionsConfig(preset="libraries"))
    found = suggested_goals(questions, {"goals": ["confidence", "reflection", "budgeting", "isolation"]})
    assert found == [("Confidence & influencing", "confidence"), ("Time for reflection", "reflection"),
                     ("Budgeting", "budgeting")]
    assert suggested_goals(questions, {}) == []


def _pair(match_id: int, *states: str) -> PairGoals:
    goals = tuple(GoalView(match_id * 10 + i, i, f"Goal {i}", s) for i, s in enumerate(states, start=1))
    return PairGoals(match_id, 1, "Mentor", "Mentee", 1, 2, True, None, goals)


def test_totals_count_pairs_goals_and_each_state() -> None:
    found = totals([_pair(1, "achieved", "under_way"), _pair(2, "not_started"), _pair(3)])
    assert (found.pairs, found.pairs_with_goals, found.goals, found.achieved) == (3, 2, 3, 1)
    assert found.by_progress["under_way"] == 1 and found.by_progress["changed"] == 0
    assert found.pairs_with_achievement == 1
    assert "3 goals in 2 of 3 pairs" in found.line(GoalWords())
    assert goal_lines(_pair(4, "achieved").goals) == "1. Goal 1 — ✅ Achieved"


def test_the_totals_count_one_goal_and_one_pair_without_a_plural_and_speak_the_programmes_words() -> None:
    one = totals([_pair(1, "under_way")])
    assert one.line(GoalWords()).startswith("1 goal in 1 of 1 pair: ⚪ Not started 0 · 🟡 Under way 1")
    assert totals([_pair(1)]).line(GoalWords()) == "No goals set yet (1 pair)."
    libraries = load_voice("libraries").goals
    assert one.line(libraries).startswith("1 goal across 1 of 1 partnership: ⚪ Not yet started 0 · 🟡 In progress 1")
    assert totals([_pair(1), _pair(2)]).line(libraries) == "No goals set yet (2 partnerships)."


def test_a_checkins_goals_name_the_programmes_own_button_and_states() -> None:
    goals = _pair(1, "under_way").goals
    neutral = checkin_goals(goals, GoalWords())
    assert neutral == "\n\n🎯 **Your goals**\n1. Goal 1 — 🟡 Under way\nPress “Goal progress” to say how they are going."
    libraries = load_voice("libraries").goals
    said = checkin_goals(goals, libraries)
    assert f"“{libraries.progress_button}”" in said and "🟡 In progress" in said, said
    assert "“Goal progress”" not in said, "the button it names is the one the check-in carries"
    assert checkin_goals((), libraries) == ""
