"""One limiter for everything the bot sends.

Two token buckets: every request (a message, or opening a DM channel) takes a token from the global
``messages_per_second`` bucket; opening a *new* DM channel also takes one from the ``new_dms_per_minute``
bucket, waiting there first so ordinary messages never queue behind a slow DM opening. Waiters are served
in arrival order. After a 429, :meth:`Pacer.penalise` pauses everyone for ``retry_after`` seconds.

Time comes from an injectable monotonic function and sleep coroutine, so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from bot.nudges.config import PacingConfig

__all__ = ["Pacer", "PacerStats", "SendKind", "TokenBucket", "send_paced"]

SendKind = Literal["message", "new_dm"]
T = TypeVar("T")

#: Longest pause accepted from one 429 (a bogus header must not stall the bot for hours).
MAX_PENALTY_SECONDS = 600.0
_EPS = 1e-9


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity``; starts full."""

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.updated = now

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is)."""
        self.refill(now)
        if self.tokens >= 1.0 - _EPS:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self.refill(now)
        self.tokens = max(self.tokens - 1.0, 0.0)


@dataclass(frozen=True, slots=True)
class PacerStats:
    """What the pacer has done so far.

    ``achieved_per_second`` is requests per second between the first and the last grant;
    ``peak_per_second`` the most requests granted within any one-second window.
    """

    messages: int
    new_dms: int
    penalties: int
    waited_seconds: float
    first_at: float | None
    last_at: float | None
    achieved_per_second: float
    peak_per_second: int
    paused_until: float


class Pacer:
    """The bot's outgoing-request limiter. Create one per process and share it."""

    def __init__(
        self,
        config: PacingConfig | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config or PacingConfig()
        self._monotonic = monotonic
        self._sleep = sleep
        now = monotonic()
        self._messages = TokenBucket(self.config.messages_per_second, self.config.burst, now)
        self._new_dms = TokenBucket(self.config.new_dms_per_minute / 60.0, self.config.new_dm_burst, now)
        self._message_lock = asyncio.Lock()
        self._dm_lock = asyncio.Lock()
        self._paused_until = float("-inf")
        self._granted = 0
        self._granted_dms = 0
        self._penalties = 0
        self._waited = 0.0
        self._first: float | None = None
        self._last: float | None = None
        self._window: deque[float] = deque()
        self._peak = 0

    async def acquire(self, kind: SendKind = "message") -> None:
        """Wait until one request of ``kind`` may go out now. ``new_dm`` is for opening a DM channel
        (it counts against both buckets, taken at the same instant); the message sent in it afterwards
        needs its own ``acquire("message")``."""
        if kind == "new_dm":
            async with self._dm_lock:
                # Wait for a DM token without taking it; nobody else can take one while we hold the lock,
                # so it is still there once the request token comes, and both are taken together.
                await self._wait(self._new_dms)
                async with self._message_lock:
                    await self._wait(self._messages)
                    now = self._monotonic()
                    self._new_dms.take(now)
                    self._messages.take(now)
                    self._granted_dms += 1
                    self._record(now)
            return
        if kind != "message":
            raise ValueError(f"unknown send kind {kind!r}")
        async with self._message_lock:
            await self._wait(self._messages)
            now = self._monotonic()
            self._messages.take(now)
            self._record(now)

    def penalise(self, retry_after: float) -> None:
        """A 429 said to wait ``retry_after`` seconds: nobody sends until then (capped at 10 minutes)."""
        if not retry_after > 0:
            return
        until = self._monotonic() + min(float(retry_after), MAX_PENALTY_SECONDS)
        self._paused_until = max(self._paused_until, until)
        self._penalties += 1

    def stats(self) -> PacerStats:
        achieved = 0.0
        if self._first is not None and self._last is not None and self._last > self._first:
            achieved = (self._granted - 1) / (self._last - self._first)
        return PacerStats(
            messages=self._granted,
            new_dms=self._granted_dms,
            penalties=self._penalties,
            waited_seconds=self._waited,
            first_at=self._first,
            last_at=self._last,
            achieved_per_second=achieved,
            peak_per_second=self._peak,
            paused_until=self._paused_until,
        )

    async def _wait(self, bucket: TokenBucket) -> None:
        """Return once ``bucket`` has a token and no 429 pause is running (without taking the token)."""
        while True:
            now = self._monotonic()
            wait = max(self._paused_until - now, bucket.wait_time(now))
            if wait <= 0:
                return
            self._waited += wait
            await self._sleep(wait)

    def _record(self, now: float) -> None:
        self._granted += 1
        if self._first is None:
            self._first = now
        self._last = now
        self._window.append(now)
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        self._peak = max(self._peak, len(self._window))


async def send_paced(
    pacer: Pacer,
    send: Callable[[], Awaitable[T]],
    *,
    kind: SendKind = "message",
    retry_after_of: Callable[[BaseException], float | None],
    max_attempts: int = 3,
) -> T:
    """Acquire, call ``send()``, and on a rate-limit error wait and try again.

    ``retry_after_of(exc)`` returns the seconds to wait when ``exc`` is a 429 (the cog reads it from the
    HTTP exception), or None for any other error, which is re-raised at once. After ``max_attempts``
    rate-limited tries the last error is re-raised.
    """
    attempt = 0
    while True:
        attempt += 1
        await pacer.acquire(kind)
        try:
            return await send()
        except Exception as exc:
            retry_after = retry_after_of(exc)
            if retry_after is None or attempt >= max_attempts:
                raise
            pacer.penalise(max(retry_after, 0.001))
