"""Organisers' stats: the funnel numbers, weekly activity, and the chart image."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import matplotlib.image as mpimg
import pytest
from matplotlib._pylab_helpers import Gcf

from bot.stats import Funnel, WeeklyActivity, build_stats_figure, render_stats_png, weekly_series

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FUNNEL = Funnel(leads=120, joined=80, onboarded=60, matched=40, met=30, active=25)
WEEKLY = [WeeklyActivity(date(2026, 1, 5) + timedelta(weeks=i), 10 + i, 4 + i) for i in range(8)]


def all_text(fig: object) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text)]  # type: ignore[attr-defined]


def test_funnel_stages_in_order_with_conversion() -> None:
    assert FUNNEL.stages() == [
        ("Leads", 120),
        ("Joined", 80),
        ("Onboarded", 60),
        ("Matched", 40),
        ("Met", 30),
        ("Active", 25),
    ]
    conv = FUNNEL.conversion()
    assert conv[0] is None and conv[1] == pytest.approx(80 / 120)
    assert Funnel(0, 0, 0, 0, 0, 0).conversion() == [None] * 6
    with pytest.raises(ValueError, match="joined"):
        Funnel(1, -1, 0, 0, 0, 0)


def test_weekly_series_buckets_by_monday_and_keeps_empty_weeks() -> None:
    events = [
        (datetime(2026, 1, 5, 9, tzinfo=UTC), "sent"),
        (datetime(2026, 1, 11, 23, tzinfo=UTC), "sent"),  # Sunday: same week
        (datetime(2026, 1, 7, 9, tzinfo=UTC), "answered"),
        (datetime(2026, 1, 20, 9, tzinfo=UTC), "sent"),
        (datetime(2025, 12, 1, 9, tzinfo=UTC), "sent"),  # before the range
    ]
    series = weekly_series(events, first=date(2026, 1, 6), last=date(2026, 1, 21))  # type: ignore[arg-type]
    assert series == [
        (date(2026, 1, 5), 2, 1),
        (date(2026, 1, 12), 0, 0),
        (date(2026, 1, 19), 1, 0),
    ]


def test_figure_shows_every_funnel_number_with_its_label() -> None:
    fig = build_stats_figure(FUNNEL, WEEKLY, "#EduMentoring")
    texts = all_text(fig)
    title = next(t for t in texts if t.startswith("#EduMentoring"))
    for label, count in FUNNEL.stages():
        assert f"{label} {count}" in title
        assert label in texts  # x tick label
    bar_labels = [t.split("\n")[0] for t in texts]
    for _label, count in FUNNEL.stages():
        assert str(count) in bar_labels
    assert "80\n(67%)" in texts


def test_figure_plots_the_weekly_numbers_given() -> None:
    fig = build_stats_figure(FUNNEL, WEEKLY, "Programme")
    weekly_axes = fig.axes[1]
    sent, answered = weekly_axes.get_lines()
    assert [int(y) for y in sent.get_ydata()] == [w.nudges_sent for w in WEEKLY]  # type: ignore[union-attr, arg-type]
    assert [int(y) for y in answered.get_ydata()] == [w.nudges_answered for w in WEEKLY]  # type: ignore[union-attr, arg-type]
    legend = weekly_axes.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} == {"sent", "answered"}


def test_png_decodes_at_the_expected_size() -> None:
    png = render_stats_png(FUNNEL, WEEKLY, "#EduMentoring")
    assert png.startswith(PNG_SIGNATURE)
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (500, 1200)


def test_empty_programme_still_renders() -> None:
    fig = build_stats_figure(Funnel(0, 0, 0, 0, 0, 0), [], "New programme")
    assert "No activity yet" in all_text(fig)
    assert render_stats_png(Funnel(0, 0, 0, 0, 0, 0), [], "New programme").startswith(PNG_SIGNATURE)


async def test_renders_in_worker_threads_without_pyplot_state() -> None:
    before = Gcf.get_num_fig_managers()
    funnels = [Funnel(10 * i + 5, 10 * i, 5 * i, 4 * i, 3 * i, 2 * i) for i in range(1, 5)]
    pngs = await asyncio.gather(*(asyncio.to_thread(render_stats_png, f, WEEKLY, f"P{i}") for i, f in enumerate(funnels)))
    assert all(p.startswith(PNG_SIGNATURE) for p in pngs)
    assert len(set(pngs)) == len(pngs)  # each image is its own data
    assert Gcf.get_num_fig_managers() == before


def test_a_week_with_no_check_in_due_is_a_gap_in_the_line_not_a_drop_to_zero() -> None:
    weekly = [WeeklyActivity(date(2026, 1, 5), 6, 4), WeeklyActivity(date(2026, 1, 12), 0, 0),
              WeeklyActivity(date(2026, 1, 19), 5, 3)]
    fig = build_stats_figure(FUNNEL, weekly, "#EduMentoring")
    right = fig.axes[1]
    for line in right.get_lines():
        ys = [float(y) for y in line.get_ydata()]  # type: ignore[union-attr]
        assert 0.0 not in ys and len(ys) == 3


def test_the_funnel_title_says_every_stage_counts_people() -> None:
    fig = build_stats_figure(FUNNEL, WEEKLY, "#EduMentoring")
    assert any(t.startswith("#EduMentoring\nPeople: Leads 120") for t in all_text(fig))
