"""A pair's goals, as data: what the mentee sets (one to three, starting from their profile), where each stands
(not started / under way / achieved / changed), and the totals organisers and reports read. No discord import.
"""

from bot.goals.progress import (
    GOAL_LENGTH,
    MAX_GOALS,
    PROGRESS,
    GoalTotals,
    GoalView,
    PairGoals,
    checkin_goals,
    clean_goals,
    goal_field,
    goal_lines,
    progress_label,
    totals,
)
from bot.goals.suggest import suggested_goals

__all__ = [
    "GOAL_LENGTH",
    "MAX_GOALS",
    "PROGRESS",
    "GoalTotals",
    "GoalView",
    "PairGoals",
    "checkin_goals",
    "clean_goals",
    "goal_field",
    "goal_lines",
    "progress_label",
    "suggested_goals",
    "totals",
]
