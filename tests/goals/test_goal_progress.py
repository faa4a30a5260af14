"""Goals as data: what a mentee typed becomes one to three clean goals, a profile's choices become the first
ones, and the totals count every state without naming anyone."""

from __future__ import annotations

from bot.goals import GoalView, PairGoals, clean_goals, goal_lines, suggested_goals, totals
from bot.onboarding.questions import QuestionsConfig, build_questions


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
    assert "3 goals in 2 of 3 pairs" in found.line()
    assert goal_lines(_pair(4, "achieved").goals) == "1. Goal 1 — ✅ Achieved"
