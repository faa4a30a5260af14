"""The report's short Markdown summary: numbers a funder or committee can read, withheld figures said so, and
quotes only from people who agreed to be quoted."""

from __future__ import annotations

from bot.goals.progress import PROGRESS
from bot.outcomes.figures import MIN_RESPONDENTS, WITHHELD, Outcomes

POINT_WORDS = {"start": "at the start", "day": "part-way", "end": "at the end"}


def _num(value: float | None, asked: bool = True) -> str:
    if not asked:
        return "not asked"
    return WITHHELD if value is None else f"{value:.1f}"


def summary_markdown(o: Outcomes) -> str:
    lines = [f"# {o.programme}: outcomes", "",
             f"{o.scope} · produced {o.generated_at:%d %b %Y}. Figures resting on fewer than {MIN_RESPONDENTS} "
             "people are withheld, so no answer can be traced to anyone.", ""]
    lines += ["## Surveys", "", "| Survey | When | Sent | Answered | Response rate |", "|---|---|---|---|---|"]
    for r in o.rates:
        answered = str(r.responded) if r.shown else (WITHHELD if r.sent else "—")
        rate = f"{r.rate:.0%}" if r.rate is not None else (WITHHELD if r.sent else "—")
        lines.append(f"| {r.title} | {POINT_WORDS.get(r.point, r.point)} | {r.sent} | {answered} | {rate} |")
    lines += ["", "## From the start to the end", ""]
    if o.measures:
        lines += ["| Measure | Start (mean) | End (mean) | Change |", "|---|---|---|---|"]
        for m in o.measures:
            change = f"{m.change:+.1f}" if m.change is not None else "—"
            scale = f" (scale {m.low}–{m.high})"
            lines.append(f"| {m.label}{scale} | {_num(m.baseline_mean, m.asked_at_start)} | "
                         f"{_num(m.end_mean, m.asked_at_end)} | {change} |")
    else:
        lines.append("No measure is asked both at the start and at the end.")
    lines += ["", "## Goals", ""]
    if o.goals is None:
        lines.append("Goal progress is not part of this report.")
    elif not o.goals_shown:
        lines.append(f"Goal progress: {WITHHELD}.")
    else:
        g = o.goals
        states = ", ".join(f"{PROGRESS[p].lower()} {g.by_progress.get(p, 0)}" for p in PROGRESS)
        lines.append(f"{g.pairs_with_goals} of {g.pairs} pairs set {g.goals} goals: {states}. "
                     f"{g.pairs_with_achievement} pairs achieved at least one goal.")
    shown_choices = [c for c in o.choices if c.counts]
    if shown_choices:
        lines += ["", "## What people chose", ""]
        for c in shown_choices:
            lines.append(f"**{c.question}** ({c.respondents} people): "
                         + ", ".join(f"{label} {n}" for label, n in c.counts))
    lines += ["", "## In their own words", ""]
    if o.quotes:
        lines += [f"> {q}" for q in o.quotes]
        lines.append("")
        lines.append("-- quoted with each person's agreement, without their names.")
    else:
        lines.append("No quotes to show (only words people agreed to have quoted, from surveys with enough answers).")
    return "\n".join(lines) + "\n"
