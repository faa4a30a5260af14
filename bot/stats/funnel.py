"""The programme funnel (from a post on X to an active pair) and weekly activity series."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

__all__ = ["FUNNEL_STAGES", "Funnel", "WeeklyActivity", "week_start", "weekly_series"]

#: (field name, label) in funnel order.
FUNNEL_STAGES: tuple[tuple[str, str], ...] = (
    ("leads", "Leads"),
    ("joined", "Joined"),
    ("onboarded", "Onboarded"),
    ("matched", "Matched"),
    ("met", "Met"),
    ("active", "Active"),
)


@dataclass(frozen=True, slots=True)
class Funnel:
    """People at each stage: posted/leads → joined the server → finished onboarding → matched → met their
    partner → still active."""

    leads: int
    joined: int
    onboarded: int
    matched: int
    met: int
    active: int

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"funnel count {f.name} is negative")

    def stages(self) -> list[tuple[str, int]]:
        """``[(label, count), …]`` in funnel order."""
        return [(label, int(getattr(self, name))) for name, label in FUNNEL_STAGES]

    def conversion(self) -> list[float | None]:
        """Each stage as a share of the one before (None for the first, and after a zero)."""
        counts = [n for _label, n in self.stages()]
        out: list[float | None] = [None]
        for before, now in zip(counts, counts[1:], strict=False):
            out.append(now / before if before else None)
        return out


class WeeklyActivity(NamedTuple):
    """One week of activity: check-ins sent and check-ins answered in the week starting ``week_start``
    (a Monday). A plain ``(date, int, int)`` tuple works wherever this is expected."""

    week_start: date
    nudges_sent: int
    nudges_answered: int


def week_start(day: date | datetime) -> date:
    """The Monday of ``day``'s week (for a datetime: of its own date, so pass UTC or a local time)."""
    d = day.date() if isinstance(day, datetime) else day
    return d - timedelta(days=d.weekday())


def weekly_series(
    events: Iterable[tuple[datetime, Literal["sent", "answered"]]], *, first: date, last: date
) -> list[WeeklyActivity]:
    """Count events per week from the week of ``first`` to the week of ``last``, every week present
    (zeros included), oldest first. Events outside that range are ignored."""
    start, end = week_start(first), week_start(last)
    if end < start:
        return []
    sent: dict[date, int] = {}
    answered: dict[date, int] = {}
    for when, what in events:
        wk = week_start(when)
        if not start <= wk <= end:
            continue
        target = sent if what == "sent" else answered
        target[wk] = target.get(wk, 0) + 1
    out: list[WeeklyActivity] = []
    wk = start
    while wk <= end:
        out.append(WeeklyActivity(wk, sent.get(wk, 0), answered.get(wk, 0)))
        wk += timedelta(days=7)
    return out
