"""The stats image: a funnel bar chart and a weekly activity line chart in one PNG.

Uses :class:`matplotlib.figure.Figure` with the Agg canvas directly — never pyplot — so there is no global
figure state and renders in different threads do not interfere. Rendering takes tens of milliseconds:
call :func:`render_stats_png` off the event loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.stats.funnel import Funnel

__all__ = ["FIGURE_DPI", "FIGURE_SIZE", "build_stats_figure", "figure_to_png", "render_stats_png"]

#: Inches at FIGURE_DPI: 1200 × 500 pixels.
FIGURE_SIZE = (12.0, 5.0)
FIGURE_DPI = 100

_BAR_COLOUR = "#3b6ea5"
_SENT_COLOUR = "#3b6ea5"
_ANSWERED_COLOUR = "#d9822b"


def build_stats_figure(funnel: Funnel, weekly: Sequence[tuple[date, int, int]], title: str) -> Figure:
    """The figure before it is saved: left, the funnel (bars labelled with their counts and the share of
    the stage before); right, check-ins sent and answered per week. ``weekly`` is
    ``[(week_start, sent, answered), …]``."""
    fig = Figure(figsize=FIGURE_SIZE, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    stages = funnel.stages()
    summary = "People: " + " · ".join(f"{label} {count}" for label, count in stages)
    fig.suptitle(f"{title}\n{summary}", fontsize=12)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.3])

    labels = [label for label, _n in stages]
    counts = [n for _label, n in stages]
    positions = list(range(len(stages)))
    bars = left.bar(positions, counts, color=_BAR_COLOUR)
    left.set_xticks(positions, labels, fontsize=9)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    bar_texts = []
    for count, share in zip(counts, funnel.conversion(), strict=True):
        bar_texts.append(f"{count}" if share is None else f"{count}\n({share:.0%})")
    left.bar_label(bars, bar_texts, padding=2, fontsize=9)
    left.set_title("Funnel")
    left.set_ylabel("people")
    left.set_ylim(0, max(max(counts, default=0), 1) * 1.25)
    left.spines[["top", "right"]].set_visible(False)

    right.set_title("Weekly check-ins (weeks with none due are left out)")
    if weekly:
        weeks = [w[0] for w in weekly]
        # a week with no check-in due is a gap in the line, not a drop to zero
        quiet = [w[1] == 0 and w[2] == 0 for w in weekly]
        right.plot(weeks, [math.nan if q else w[1] for w, q in zip(weekly, quiet, strict=True)], marker="o",
                   color=_SENT_COLOUR, label="sent")
        right.plot(weeks, [math.nan if q else w[2] for w, q in zip(weekly, quiet, strict=True)], marker="o",
                   color=_ANSWERED_COLOUR, label="answered")
        locator = mdates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
        right.xaxis.set_major_locator(locator)
        right.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        )
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.set_ylim(bottom=0, top=max(max(max(w[1], w[2]) for w in weekly), 1) * 1.3)
        right.legend(loc="upper left", ncols=2, frameon=False)
    else:
        right.text(0.5, 0.5, "No activity yet", ha="center", va="center", transform=right.transAxes)
        right.set_xticks([])
        right.set_yticks([])
    right.spines[["top", "right"]].set_visible(False)
    return fig


def figure_to_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg canvas."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
    return buffer.getvalue()


def render_stats_png(funnel: Funnel, weekly: Sequence[tuple[date, int, int]], title: str) -> bytes:
    """The stats image as PNG bytes (1200 × 500). Blocking: run it in a worker thread."""
    return figure_to_png(build_stats_figure(funnel, weekly, title))
