"""Bounded retries with full jitter, shared by the X, Bluesky and Mastodon sources: :class:`RetryPolicy`,
:func:`backoff`, and :class:`RetryingSource`, the state and the retry loop every source has."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from bot.clock import Clock, SystemClock
from bot.intake.source import ReplyResult

T = TypeVar("T")
StopKind = Literal["paused", "fatal", "failure", "stale_since"]
__all__ = ["RetryPolicy", "RetryingSource", "Stop", "StopKind", "backoff"]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries for transient failures within one poll."""

    tries: int = 4  # attempts per request, the first included
    base_delay: float = 1.0  # seconds; attempt n waits uniform(0, min(max_delay, base_delay * 2**n))
    max_delay: float = 20.0
    timeout: float = 20.0  # seconds per request


class Stop(Exception):
    """Ends a catch-up: ``paused`` (rate limited until ``until``), ``fatal`` (tell the organisers once and
    stop polling) or ``failure`` (transient; try again at the next poll). ``stale_since`` (X: the stored
    cursor is older than the search window) is for the run to handle; left unhandled it is fatal."""

    def __init__(self, kind: StopKind, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.kind: StopKind = kind
        self.reason = reason
        self.until = until


def backoff(retry: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """Seconds to wait before retry ``attempt + 1``: uniform(0, min(max_delay, base_delay * 2**attempt))."""
    return rng.uniform(0, min(retry.max_delay, retry.base_delay * (2**attempt)))


class RetryingSource:
    """What every source keeps between polls (clock, retry policy, rate-limit state, a request count), the
    retry loop of its reading requests, and the reading of a window's remaining requests."""

    def _init_retrying(
        self,
        clock: Clock | None,
        retry: RetryPolicy | None,
        rng: random.Random | None,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._sleep = sleep
        self.paused_until: datetime | None = None  # the reading rate limit, as last seen
        self.reply_paused_until: datetime | None = None
        self.rate_remaining: int | None = None
        self.requests = 0

    def _reply_wait(self, now: datetime) -> ReplyResult | None:
        """The answer to a reply asked for while the platform still refuses replies (rate limited), else
        None: go ahead."""
        if self.reply_paused_until is not None and now < self.reply_paused_until:
            return ReplyResult(ok=False, rate_limited_until=self.reply_paused_until)
        return None

    async def _timed(self, make: Callable[[], Awaitable[T]]) -> T:
        """One request, counted, within the policy's timeout."""
        async with asyncio.timeout(self.retry.timeout):
            self.requests += 1
            return await make()

    async def _retrying(
        self,
        call: Callable[[], Awaitable[T]],
        settle: Callable[[Exception], str | None],
        failed: str,
    ) -> T:
        """``call()`` up to ``retry.tries`` times, sleeping a jittered backoff between tries. ``settle`` sees
        each exception: it raises the :class:`Stop` that ends the run, returns the reason of a transient
        failure (try again) or None (not the platform's: it propagates). After the last try: a ``failure``
        Stop, ``"<failed> after <tries> tries: <last reason>"``."""
        last = ""
        for attempt in range(self.retry.tries):
            try:
                return await call()
            except Exception as exc:
                reason = settle(exc)
                if reason is None:
                    raise
                last = reason
            if attempt + 1 < self.retry.tries:
                await self._sleep(backoff(self.retry, attempt, self._rng))
        raise Stop("failure", f"{failed} after {self.retry.tries} tries: {last}")

    def _window_left(self, remaining: object, reset: Callable[[], datetime]) -> datetime | None:
        """Remember ``remaining`` (a rate-limit header's value, when it is a number); when the window is used
        up, pause reading until ``reset()`` and return that time."""
        text = str(remaining)
        if not text.isdigit():
            return None
        self.rate_remaining = int(text)
        if self.rate_remaining > 0:
            return None
        self.paused_until = reset()
        return self.paused_until
