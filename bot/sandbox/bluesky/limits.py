"""Fixed rate-limit windows for the local Bluesky and Mastodon (the local X has its own 15-minute ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class RateWindow:
    """``limit`` requests per ``length``; the window starts with its first request."""

    limit: int
    length: timedelta = timedelta(minutes=5)
    start: datetime | None = None
    used: int = 0

    def _roll(self, now: datetime) -> None:
        if self.start is None or now >= self._reset():
            self.start, self.used = now, 0

    def _reset(self) -> datetime:
        # whole seconds, as the reset headers say: a client that waits until then is let in
        assert self.start is not None
        end = self.start + self.length
        return end if end.microsecond == 0 else end.replace(microsecond=0) + timedelta(seconds=1)

    def reset_at(self, now: datetime) -> datetime:
        self._roll(now)
        return self._reset()

    def take(self, now: datetime) -> bool:
        """Count one request; False when the window is used up (answer 429)."""
        self._roll(now)
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self, now: datetime) -> int:
        self._roll(now)
        return max(self.limit - self.used, 0)
