"""The report's PNG: baseline → end per measure, goal progress and response rates, side by side.

Uses :class:`matplotlib.figure.Figure` with the Agg canvas directly — never pyplot — so renders in different
threads do not interfere. Call :func:`render_outcomes_png` off the event loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.goals.progress import PROGRESS
from bot.outcomes.figures import WITHHELD, Outcomes

FIGURE_SIZE = (15.0, 5.0)
FIGURE_DPI = 100
_START, _END = "#9db4cf", "#3b6ea5"
_GOAL_COLOURS = {"not_started": "#cccccc", "under_way": "#e8b339", "achieved": "#3a9a5b", "changed": "#8c6bb1"}


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _measures(ax: Axes, o: Outcomes) -> None:
    ax.set_title("Start → end (mean per measure)")
    if not o.measures:
        _empty(ax, "No measure asked at the start and the end")
        return
    xs = list(range(len(o.measures)))
    width = 0.38
    top = max(m.high for m in o.measures)
    for offset, colour, label, means in ((-width / 2, _START, "Start", [m.baseline_mean for m in o.measures]),
                                         (width / 2, _END, "End", [m.end_mean for m in o.measures])):
        heights = [v if v is not None else 0 for v in means]
        bars = ax.bar([x + offset for x in xs], heights, width, color=colour, label=label)
        ax.bar_label(bars, [f"{v:.1f}" if v is not None else "—" for v in means], padding=2, fontsize=8)
    ax.set_xticks(xs, [m.label for m in o.measures], fontsize=9, rotation=15)
    ax.set_ylim(0, top * 1.2)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if any(m.baseline_mean is None or m.end_mean is None for m in o.measures):
        ax.text(0.99, 0.98, f"— {WITHHELD}", ha="right", va="top", transform=ax.transAxes, fontsize=8,
                color="#666666")
    ax.spines[["top", "right"]].set_visible(False)


def _goals(ax: Axes, o: Outcomes) -> None:
    ax.set_title("Goal progress")
    if o.goals is None:
        _empty(ax, "Goals are not part of this report")
        return
    if not o.goals_shown:
        _empty(ax, WITHHELD.capitalize())
        return
    states = list(PROGRESS)
    counts = [o.goals.by_progress.get(p, 0) for p in states]
    bars = ax.bar(range(len(states)), counts, color=[_GOAL_COLOURS[p] for p in states])
    ax.bar_label(bars, [str(c) for c in counts], padding=2, fontsize=9)
    ax.set_xticks(range(len(states)), [PROGRESS[p] for p in states], fontsize=9)
    ax.set_ylabel("goals")
    ax.set_ylim(0, max(max(counts), 1) * 1.25)
    ax.spines[["top", "right"]].set_visible(False)


def _rates(ax: Axes, o: Outcomes) -> None:
    ax.set_title("Response rate per survey")
    if not o.rates:
        _empty(ax, "No surveys")
        return
    shares = [(r.rate or 0.0) * 100 for r in o.rates]
    bars = ax.bar(range(len(o.rates)), shares, color=_END)
    ax.bar_label(bars, [f"{r.responded}/{r.sent}" if r.rate is not None else "—" for r in o.rates],
                 padding=2, fontsize=8)
    ax.set_xticks(range(len(o.rates)), [r.title for r in o.rates], fontsize=9, rotation=15)
    ax.set_ylim(0, 115)
    ax.set_ylabel("% answered")
    ax.spines[["top", "right"]].set_visible(False)


def build_outcomes_figure(o: Outcomes) -> Figure:
    fig = Figure(figsize=FIGURE_SIZE, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(f"{o.programme} — outcomes ({o.scope})", fontsize=12)
    left, middle, right = fig.subplots(1, 3)
    _measures(left, o)
    _goals(middle, o)
    _rates(right, o)
    return fig


def render_outcomes_png(o: Outcomes) -> bytes:
    """The chart as PNG bytes (tens of milliseconds: run it in a thread)."""
    buffer = io.BytesIO()
    build_outcomes_figure(o).savefig(buffer, format="png")
    return buffer.getvalue()
