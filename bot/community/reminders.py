"""When an event's reminders are due: each point ("7d", "1d", "1h") opens a window before the start; a person's
reminder goes out at the first moment of their local daytime in it, or not at all when that would be after the
event has begun."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.nudges.config import QuietHoursConfig
from bot.nudges.quiet import next_allowed


def point_window(starts_at: datetime, points: list[tuple[str, timedelta]], label: str) -> tuple[datetime, datetime]:
    """``[opens, closes)`` of one point: it opens ``lead`` before the start and closes when the next (shorter)
    point opens, or at the start. Someone who becomes part of the audience later gets the next point only."""
    leads = dict(points)
    opens = starts_at - leads[label]
    later = [starts_at - lead for _, lead in points if lead < leads[label]]
    return opens, min(later, default=starts_at)


def reminder_due(opens: datetime, starts_at: datetime, zone: str, quiet: QuietHoursConfig,
                 not_before: datetime) -> datetime | None:
    """The first moment at or after the window opens (and ``not_before``) that is daytime in ``zone``; None when
    the event would have begun by then."""
    try:
        due = next_allowed(max(opens, not_before), zone, quiet)
    except ValueError:  # an unknown zone: UTC's daytime
        due = next_allowed(max(opens, not_before), "UTC", quiet)
    return due if due < starts_at else None


def local_when(when: datetime, zone: str) -> str:
    """``Saturday 14 November, 10:00`` in ``zone`` (UTC when the zone is unknown)."""
    from bot.nudges.quiet import get_zone

    try:
        tz = get_zone(zone)
    except ValueError:
        tz = get_zone("UTC")
        zone = "UTC"
    local = when.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M} ({zone.split('/')[-1].replace('_', ' ')} time)"
