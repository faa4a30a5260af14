"""Limit wrong claim-code attempts per person, so codes can't be guessed in bulk.

A sliding window per key (a Discord user id): at most ``limit`` failures within ``window``. Kept in
memory: a process restart forgets it, which only gives a guesser ``limit`` more tries per restart — with
810,000 codes per prefix and a handful of open leads, still hopeless.
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta


class AttemptLimiter:
    def __init__(self, limit: int = 5, window: timedelta = timedelta(minutes=10)) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window
        self._failures: dict[int, deque[datetime]] = defaultdict(deque)

    def _prune(self, key: int, now: datetime) -> deque[datetime]:
        seen = self._failures[key]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def blocked_until(self, key: int, now: datetime) -> datetime | None:
        """When ``key`` may try again, or None when it may try now."""
        seen = self._prune(key, now)
        if len(seen) < self.limit:
            return None
        return seen[0] + self.window

    def failed(self, key: int, now: datetime) -> None:
        self._prune(key, now).append(now)

    def succeeded(self, key: int) -> None:
        self._failures.pop(key, None)
