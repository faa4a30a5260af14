"""One clock for the whole bot.

Every module reads the time through a :class:`Clock` instead of ``datetime.now()``, so the sandbox can
jump forward (weeks of nudges in seconds) while production uses the system clock. All datetimes are
timezone-aware UTC.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the bot needs from a clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SandboxClock:
    """A clock that runs with real time from a chosen start and can jump forward.

    ``now() = start + real time elapsed since creation + all jumps``. Jumps never go backwards.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SandboxClock start must be timezone-aware")
        self._start = start or datetime.now(UTC)
        self._t0 = time.monotonic()
        self._offset = timedelta(0)
        self._listeners: list[asyncio.Event] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by ``delta`` and return the new time."""
        if delta < timedelta(0):
            raise ValueError("the sandbox clock never goes backwards")
        self._offset += delta
        return self.now()

    def advance_to(self, when: datetime) -> datetime:
        """Jump forward to ``when`` (no-op when it is already past)."""
        gap = when - self.now()
        if gap > timedelta(0):
            self._offset += gap
        return self.now()

