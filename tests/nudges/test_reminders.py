"""Onboarding reminders and the organisers' weekly digest are nudges too."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.nudges.config import DigestConfig, OnboardingRemindersConfig, QuietHoursConfig
from bot.nudges.reminders import next_digest_at, onboarding_reminder_times


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_onboarding_reminders_24_and_72_hours_later_in_daytime() -> None:
    times = onboarding_reminder_times(
        utc(2026, 1, 5, 14, 0), "Europe/London", QuietHoursConfig(), OnboardingRemindersConfig()
    )
    assert times == [utc(2026, 1, 6, 14, 0), utc(2026, 1, 8, 14, 0)]


def test_onboarding_reminder_due_at_night_waits_for_morning() -> None:
    times = onboarding_reminder_times(
        utc(2026, 1, 5, 21, 30), "Europe/London", QuietHoursConfig(), OnboardingRemindersConfig()
    )
    assert times == [utc(2026, 1, 7, 8, 0), utc(2026, 1, 9, 8, 0)]


def test_digest_is_next_monday_nine_local() -> None:
    cfg = DigestConfig(weekday=0, hour=9, zone="Europe/London")
    assert next_digest_at(utc(2026, 1, 4, 12, 0), cfg) == utc(2026, 1, 5, 9, 0)  # Sunday -> Monday
    assert next_digest_at(utc(2026, 1, 5, 9, 0), cfg) == utc(2026, 1, 12, 9, 0)  # strictly after
    assert next_digest_at(utc(2026, 7, 1, 0, 0), cfg) == utc(2026, 7, 6, 8, 0)  # 09:00 BST


def test_digest_in_an_hour_the_clocks_skip_goes_out_at_the_jump() -> None:
    cfg = DigestConfig(weekday=6, hour=1, zone="Europe/London")  # Sunday 01:00; 29 Mar 2026 skips it
    assert next_digest_at(utc(2026, 3, 28, 12, 0), cfg) == utc(2026, 3, 29, 1, 0)
