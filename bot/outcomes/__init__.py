"""The outcomes report (no discord import): figures from survey answers and goal progress with the small-group
rule, a PNG chart, an anonymised CSV and a short Markdown summary."""

from bot.outcomes.chart import render_outcomes_png
from bot.outcomes.figures import CSV_COLUMNS, MIN_RESPONDENTS, WITHHELD, Answer, Outcomes, build_outcomes
from bot.outcomes.summary import summary_markdown

__all__ = ["CSV_COLUMNS", "MIN_RESPONDENTS", "WITHHELD", "Answer", "Outcomes", "build_outcomes",
           "render_outcomes_png", "summary_markdown"]
