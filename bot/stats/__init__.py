"""Programme statistics: the funnel, weekly activity, and the chart organisers see. No discord import."""

from __future__ import annotations

from bot.stats.chart import build_stats_figure, render_stats_png
from bot.stats.funnel import FUNNEL_STAGES, Funnel, WeeklyActivity, week_start, weekly_series

__all__ = [
    "FUNNEL_STAGES",
    "Funnel",
    "WeeklyActivity",
    "build_stats_figure",
    "render_stats_png",
    "week_start",
    "weekly_series",
]
