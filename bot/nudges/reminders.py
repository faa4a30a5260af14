"""The other nudges: onboarding reminders and the organisers' weekly digest."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.nudges.config import DigestConfig, OnboardingRemindersConfig, QuietHoursConfig
from bot.nudges.quiet import first_instant_at, get_zone, next_allowed

__all__ = ["next_digest_at", "onboarding_reminder_times"]


def onboarding_reminder_times(
    last_question_at: datetime, zone: str, quiet: QuietHoursConfig, config: OnboardingRemindersConfig
) -> list[datetime]:
    """When to remind someone who has not answered the question asked at ``last_question_at``.

    One time per ``config.after_hours`` entry, each moved out of the person's quiet hours (aware UTC,
    non-decreasing). Re-plan from the new question's time whenever they answer.
    """
    if last_question_at.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    base = last_question_at.astimezone(UTC)
    out: list[datetime] = []
    for hours in config.after_hours:
        due = next_allowed(base + timedelta(hours=hours), zone, quiet)
        out.append(max(due, out[-1]) if out else due)
    return out


def next_digest_at(after: datetime, config: DigestConfig) -> datetime:
    """The first digest time strictly after ``after``: ``config.weekday`` at ``config.hour``:00 in
    ``config.zone`` (aware UTC). On a day the clocks skip that hour, it is the moment they jump."""
    if after.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    tz = get_zone(config.zone)
    local = after.astimezone(tz)
    day = local.date() + timedelta(days=(config.weekday - local.weekday()) % 7)
    while True:
        at = first_instant_at(day, time(config.hour), tz)
        if at > after:
            return at
        day += timedelta(days=7)
