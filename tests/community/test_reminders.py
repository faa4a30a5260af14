"""When an event's reminders are due: windows between points, each person's daytime, never after the start,
across a DST change; the reminder points' config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.community.config import CircleConfig, EventsConfig, parse_point
from bot.community.reminders import local_when, point_window, reminder_due
from bot.nudges.config import QuietHoursConfig

START = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)  # Saturday: the UK's clocks go back that night
POINTS = EventsConfig().points()
QUIET = QuietHoursConfig()


def test_points_are_longest_lead_first_and_each_window_closes_where_the_next_opens() -> None:
    assert [label for label, _ in POINTS] == ["7d", "1d", "1h"]
    assert point_window(START, POINTS, "7d") == (START - timedelta(days=7), START - timedelta(days=1))
    assert point_window(START, POINTS, "1h") == (START - timedelta(hours=1), START)


def test_a_reminder_waits_for_the_persons_morning_and_is_dropped_after_the_start() -> None:
    opens = START - timedelta(hours=1)  # 08:00 UTC: 09:00 in London (BST), 21:00 in Auckland
    assert reminder_due(opens, START, "Europe/London", QUIET, opens) == opens
    assert reminder_due(opens, START, "Pacific/Auckland", QUIET, opens) is None
    week = START - timedelta(days=7)
    due = reminder_due(week, START, "Pacific/Auckland", QUIET, week)
    assert due is not None and due.astimezone(UTC) == datetime(2026, 10, 17, 19, 0, tzinfo=UTC)  # 08:00 NZDT


def test_an_unknown_zone_falls_back_to_utc_daytime() -> None:
    night = datetime(2026, 10, 23, 23, 0, tzinfo=UTC)
    assert reminder_due(night, START, "Mars/Olympus", QUIET, night) == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)


def test_local_when_reads_in_the_persons_zone() -> None:
    assert local_when(START, "Europe/London") == "Saturday 24 October, 10:00 (London time)"
    assert local_when(START + timedelta(days=1), "Europe/London").endswith("09:00 (London time)")


def test_reminder_points_are_checked() -> None:
    assert parse_point(" 30m ") == timedelta(minutes=30)
    with pytest.raises(ValidationError):
        EventsConfig(reminders=["a week"])
    with pytest.raises(ValidationError):
        EventsConfig(reminders=["90d"])


def test_circle_defaults_come_from_the_preset() -> None:
    assert CircleConfig().resolved("runtogether").role == "Mentors"
    assert CircleConfig().resolved("libraries").coach_role == "Coach"
    assert CircleConfig().resolved("libraries").enabled and not CircleConfig().resolved("edumentoring").enabled
    assert CircleConfig(role="").resolved("runtogether").role == ""
