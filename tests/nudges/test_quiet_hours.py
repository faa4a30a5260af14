"""Nudges arrive in each person's local daytime: quiet windows, DST, excluded weekdays, far-away zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nudges.config import QuietHoursConfig
from bot.nudges.quiet import is_quiet, next_allowed

DEFAULT = QuietHoursConfig()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_daytime_nudge_is_delivered_unchanged() -> None:
    when = utc(2026, 1, 14, 12, 0)
    assert not is_quiet(when, "Europe/London", DEFAULT)
    assert next_allowed(when, "Europe/London", DEFAULT) == when


def test_evening_nudge_waits_until_eight_next_morning_across_midnight() -> None:
    assert next_allowed(utc(2026, 1, 14, 21, 0), "Europe/London", DEFAULT) == utc(2026, 1, 15, 8, 0)


def test_small_hours_nudge_waits_until_eight_the_same_morning() -> None:
    assert next_allowed(utc(2026, 1, 15, 2, 0), "Europe/London", DEFAULT) == utc(2026, 1, 15, 8, 0)


def test_window_boundaries_start_is_quiet_and_end_is_allowed() -> None:
    assert is_quiet(utc(2026, 1, 14, 20, 0), "UTC", DEFAULT)
    assert not is_quiet(utc(2026, 1, 14, 19, 59, 59), "UTC", DEFAULT)
    assert not is_quiet(utc(2026, 1, 15, 8, 0), "UTC", DEFAULT)


def test_daytime_window_that_does_not_cross_midnight() -> None:
    lunch = QuietHoursConfig(start=time(12, 0), end=time(14, 0))
    assert next_allowed(utc(2026, 1, 14, 12, 30), "UTC", lunch) == utc(2026, 1, 14, 14, 0)
    assert next_allowed(utc(2026, 1, 14, 22, 0), "UTC", lunch) == utc(2026, 1, 14, 22, 0)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    never = QuietHoursConfig(start=time(0, 0), end=time(0, 0))
    assert next_allowed(utc(2026, 1, 14, 3, 0), "UTC", never) == utc(2026, 1, 14, 3, 0)


def test_london_spring_forward_morning_is_eight_bst() -> None:
    # Clocks go forward on Sunday 29 March 2026 at 01:00 UTC; 08:00 BST is 07:00 UTC.
    assert next_allowed(utc(2026, 3, 28, 21, 0), "Europe/London", DEFAULT) == utc(2026, 3, 29, 7, 0)


def test_london_autumn_back_morning_is_eight_gmt() -> None:
    # Clocks go back on Sunday 25 October 2026; 21:30 BST on the 24th waits for 08:00 GMT.
    assert next_allowed(utc(2026, 10, 24, 20, 30), "Europe/London", DEFAULT) == utc(2026, 10, 25, 8, 0)


def test_quiet_end_in_the_skipped_hour_releases_at_the_jump() -> None:
    # 01:30 does not exist in London on 29 March 2026; the clock jumps from 01:00 GMT to 02:00 BST.
    quiet = QuietHoursConfig(start=time(0, 0), end=time(1, 30))
    assert next_allowed(utc(2026, 3, 29, 0, 30), "Europe/London", quiet) == utc(2026, 3, 29, 1, 0)


def test_new_york_skipped_hour_releases_at_the_jump() -> None:
    quiet = QuietHoursConfig(start=time(23, 0), end=time(2, 30))
    # 01:00 EST on 8 March 2026 = 06:00 UTC; the clocks jump at 07:00 UTC (02:00 EST -> 03:00 EDT).
    assert next_allowed(utc(2026, 3, 8, 6, 0), "America/New_York", quiet) == utc(2026, 3, 8, 7, 0)


def test_quiet_end_in_the_repeated_hour_is_never_before_the_nudge() -> None:
    quiet = QuietHoursConfig(start=time(22, 0), end=time(1, 30))
    # 01:30 happens twice in London on 25 October 2026: 00:30 UTC (BST) and 01:30 UTC (GMT).
    assert next_allowed(utc(2026, 10, 24, 23, 0), "Europe/London", quiet) == utc(2026, 10, 25, 0, 30)
    # 01:10 GMT (second time round) is still quiet and waits for the second 01:30.
    assert next_allowed(utc(2026, 10, 25, 1, 10), "Europe/London", quiet) == utc(2026, 10, 25, 1, 30)


def test_new_york_autumn_back() -> None:
    # 21:00 EDT on 31 Oct 2026 waits for 08:00 EST on 1 Nov (13:00 UTC).
    assert next_allowed(utc(2026, 11, 1, 1, 0), "America/New_York", DEFAULT) == utc(2026, 11, 1, 13, 0)
    # in summer 08:00 EDT is 12:00 UTC
    assert next_allowed(utc(2026, 7, 1, 3, 0), "America/New_York", DEFAULT) == utc(2026, 7, 1, 12, 0)


def test_person_in_kolkata_gets_eight_ist() -> None:
    # 16:00 UTC = 21:30 IST; 08:00 IST = 02:30 UTC.
    assert is_quiet(utc(2026, 1, 10, 16, 0), "Asia/Kolkata", DEFAULT)
    assert next_allowed(utc(2026, 1, 10, 16, 0), "Asia/Kolkata", DEFAULT) == utc(2026, 1, 11, 2, 30)


def test_person_in_auckland_summer_and_when_daylight_saving_ends() -> None:
    # January: NZDT (+13). 08:00 UTC = 21:00 local; 08:00 local = 19:00 UTC the same UTC day.
    assert next_allowed(utc(2026, 1, 10, 8, 0), "Pacific/Auckland", DEFAULT) == utc(2026, 1, 10, 19, 0)
    # NZ daylight saving ends on Sunday 5 April 2026: 21:00 NZDT on the 4th waits for 08:00 NZST (+12).
    assert next_allowed(utc(2026, 4, 4, 8, 0), "Pacific/Auckland", DEFAULT) == utc(2026, 4, 4, 20, 0)


def test_excluded_weekend_waits_until_monday_morning() -> None:
    weekdays_only = QuietHoursConfig(excluded_weekdays=[5, 6])
    # Friday 9 Jan 2026 21:00 -> Monday 12 Jan 08:00 (London is on GMT).
    assert next_allowed(utc(2026, 1, 9, 21, 0), "Europe/London", weekdays_only) == utc(2026, 1, 12, 8, 0)
    assert is_quiet(utc(2026, 1, 10, 12, 0), "Europe/London", weekdays_only)


def test_excluded_day_without_quiet_window_resumes_at_local_midnight() -> None:
    no_sundays = QuietHoursConfig(start=time(0, 0), end=time(0, 0), excluded_weekdays=[6])
    assert next_allowed(utc(2026, 1, 11, 12, 0), "Europe/London", no_sundays) == utc(2026, 1, 12, 0, 0)


def test_excluded_weekday_is_the_persons_local_day() -> None:
    no_sundays = QuietHoursConfig(excluded_weekdays=[6])
    # Saturday 20:00 UTC is already Sunday 01:30 in Kolkata -> Monday 08:00 IST = Monday 02:30 UTC.
    assert next_allowed(utc(2026, 1, 10, 20, 0), "Asia/Kolkata", no_sundays) == utc(2026, 1, 12, 2, 30)
    # ... while in London it is still Saturday evening -> Monday 08:00 GMT.
    assert next_allowed(utc(2026, 1, 10, 20, 0), "Europe/London", no_sundays) == utc(2026, 1, 12, 8, 0)


def test_naive_datetime_and_unknown_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed(datetime(2026, 1, 1, 12, 0), "UTC", DEFAULT)  # noqa: DTZ001
    with pytest.raises(ValueError, match="Mars/Olympus"):
        next_allowed(utc(2026, 1, 1, 12, 0), "Mars/Olympus", DEFAULT)


def test_non_utc_aware_input_comes_back_as_utc() -> None:
    from zoneinfo import ZoneInfo

    when = datetime(2026, 1, 14, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    out = next_allowed(when, "Asia/Kolkata", DEFAULT)
    assert out == when and out.tzinfo is UTC


ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland", "Australia/Lord_Howe"]


@settings(max_examples=300, deadline=None, database=None)
@given(
    when=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    zone=st.sampled_from(ZONES),
    start=st.times(),
    end=st.times(),
    excluded=st.lists(st.integers(0, 6), unique=True, max_size=6),
)
def test_next_allowed_is_the_first_allowed_moment(
    when: datetime, zone: str, start: time, end: time, excluded: list[int]
) -> None:
    quiet = QuietHoursConfig(start=start, end=end, excluded_weekdays=excluded)
    out = next_allowed(when, zone, quiet)
    assert out >= when
    assert out - when < timedelta(days=8)
    assert not is_quiet(out, zone, quiet)
    if out != when:
        assert is_quiet(when, zone, quiet)
        just_before = max(when, out - timedelta(seconds=1))
        assert is_quiet(just_before, zone, quiet)
        for i in range(1, 8):
            assert is_quiet(when + (out - when) * i / 8, zone, quiet)
