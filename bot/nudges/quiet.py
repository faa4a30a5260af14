"""Local daytime: when a nudge may be delivered in a person's own time zone.

All functions take and return timezone-aware datetimes; results are UTC. Wall-clock arithmetic is done in
the person's zone with :mod:`zoneinfo`, so quiet windows crossing midnight, DST gaps and repeated hours,
and excluded weekdays all come out right.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.nudges.config import QuietHoursConfig

__all__ = ["first_instant_at", "get_zone", "is_quiet", "next_allowed"]

_MAX_STEPS = 32


@lru_cache(maxsize=512)
def get_zone(zone: str) -> ZoneInfo:
    """The :class:`ZoneInfo` for an IANA name; ``ValueError`` naming it when unknown."""
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {zone!r}") from exc


def _require_aware(when: datetime) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")


def first_instant_at(day: date, wall: time, tz: tzinfo, *, not_before: datetime | None = None) -> datetime:
    """The first instant (UTC) at which the local clock in ``tz`` on ``day`` reads ``wall`` or later.

    - a normal wall time: that instant;
    - a repeated wall time (clocks go back): its first occurrence, or the second one if the first is
      before ``not_before``;
    - a skipped wall time (clocks go forward): the moment of the jump, when the clock passes ``wall``.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) != naive:
        # Skipped time. fold=0 reads it with the old offset (lands after the jump), fold=1 with the new
        # one (lands before it); the jump itself is where the offset changes between them.
        lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        hi = first
        if lo > hi:
            lo, hi = hi, lo
        after = hi.astimezone(tz).utcoffset()
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            if mid.astimezone(tz).utcoffset() == after:
                hi = mid
            else:
                lo = mid
        return hi.replace(microsecond=0) if hi.microsecond else hi
    if not_before is not None and first < not_before:
        second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if second >= not_before:
            return second
    return first


def _in_window(t: time, quiet: QuietHoursConfig) -> bool:
    start, end = quiet.start, quiet.end
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def is_quiet(when: datetime, zone: str, quiet: QuietHoursConfig) -> bool:
    """True when ``when`` falls in the quiet window or on an excluded weekday, in ``zone``'s local time."""
    _require_aware(when)
    local = when.astimezone(get_zone(zone))
    if local.weekday() in quiet.excluded_weekdays:
        return True
    return _in_window(local.time(), quiet)


def next_allowed(when: datetime, zone: str, quiet: QuietHoursConfig) -> datetime:
    """The first moment at or after ``when`` that is not quiet for someone in ``zone`` (aware UTC).

    If ``when`` itself is allowed it is returned unchanged (as UTC). Otherwise the result is the end of the
    quiet window, or the start of the next allowed day when the day is excluded, whichever comes first
    and is itself allowed.
    """
    _require_aware(when)
    tz = get_zone(zone)
    t = when.astimezone(UTC)
    for _ in range(_MAX_STEPS):
        local = t.astimezone(tz)
        if local.weekday() in quiet.excluded_weekdays:
            t = first_instant_at(local.date() + timedelta(days=1), time(0), tz, not_before=t)
            continue
        wall = local.time()
        if not _in_window(wall, quiet):
            return t
        if quiet.start > quiet.end and wall >= quiet.start:
            # Evening part of a window that crosses midnight: it ends tomorrow morning.
            t = first_instant_at(local.date() + timedelta(days=1), quiet.end, tz, not_before=t)
        else:
            t = first_instant_at(local.date(), quiet.end, tz, not_before=t)
    raise RuntimeError(f"no allowed delivery time found after {when.isoformat()} in {zone}")  # pragma: no cover


def zone_of(answers: Mapping[str, object] | None) -> str:
    """A person's time zone from their profile answers: one that loads, else UTC."""
    zone = str((answers or {}).get("timezone") or "UTC")
    try:
        get_zone(zone)
    except ValueError:
        return "UTC"
    return zone


def daytime_later(now: datetime, zone: str, quiet: QuietHoursConfig, margin: timedelta) -> datetime | None:
    """None when a message may go to someone in ``zone`` now (and still ``margin`` from now, while it is being
    sent); otherwise the first moment it may."""
    if is_quiet(now, zone, quiet) or is_quiet(now + margin, zone, quiet):
        return next_allowed(now + margin, zone, quiet)
    return None
