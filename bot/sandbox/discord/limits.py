"""Rate limits (global and per-route buckets, answered with Discord's headers) and injectable faults."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class RouteLimit:
    limit: int
    per: float  # seconds


def _discord_route_defaults() -> dict[str, RouteLimit]:
    return {
        "POST /channels/{channel_id}/messages": RouteLimit(5, 5.0),
        "PATCH /channels/{channel_id}/messages/{message_id}": RouteLimit(5, 5.0),
        "POST /guilds/{guild_id}/channels": RouteLimit(10, 10.0),
        "PUT /channels/{channel_id}/permissions/{overwrite_id}": RouteLimit(10, 10.0),
        "POST /users/@me/channels": RouteLimit(10, 10.0),
        "POST /guilds/{guild_id}/roles": RouteLimit(10, 10.0),
        "POST /channels/{channel_id}/threads": RouteLimit(10, 10.0),
    }


@dataclass
class Limits:
    """Everything Discord limits, configurable per sandbox. Defaults are Discord's."""

    rate_limits: bool = True
    global_per_second: int = 50
    routes: dict[str, RouteLimit] = field(default_factory=_discord_route_defaults)
    default_route: RouteLimit = field(default_factory=lambda: RouteLimit(50, 1.0))
    interaction_ack_seconds: float = 3.0
    interaction_token_seconds: float = 15 * 60.0
    max_guild_channels: int = 500
    max_category_channels: int = 50
    attachment_size_limit: int = 10 * 1024 * 1024
    # Per-route windows are multiplied by this (headers and 429s say the scaled time): tests run Discord's
    # buckets at a tenth of their length so a suite does not wait out five-second windows; 1.0 is Discord.
    window_scale: float = 1.0

    @classmethod
    def relaxed(cls) -> Limits:
        """No rate limiting (benchmarks, bulk rehearsals); every other limit stays."""
        return cls(rate_limits=False)


@dataclass
class _Bucket:
    limit: int
    per: float
    remaining: int
    reset_at: float


@dataclass
class Verdict:
    """What the limiter decided: headers to add, and a 429 body when refused."""

    headers: dict[str, str]
    refused: dict[str, Any] | None = None


def _bucket_hash(route_key: str) -> str:
    return hashlib.sha1(route_key.encode()).hexdigest()[:16]


class RateLimiter:
    """Fixed windows per (route, major parameter) and one global window per second."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global_reset = 0.0
        self._global_count = 0

    def reset(self) -> None:
        self._buckets.clear()
        self._global_count = 0

    def check(self, route_key: str, major: str, *, counts_global: bool = True) -> Verdict:
        if not self.limits.rate_limits:
            return Verdict(headers={})
        now = time.monotonic()
        if counts_global:
            if now >= self._global_reset:
                self._global_reset = now + 1.0
                self._global_count = 0
            if self._global_count >= self.limits.global_per_second:
                retry = round(self._global_reset - now, 3)
                return Verdict(
                    headers={"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "Retry-After": str(retry)},
                    refused={"message": "You are being rate limited.", "retry_after": retry, "global": True,
                              "code": 0},
                )
            self._global_count += 1
        rule = self.limits.routes.get(route_key, self.limits.default_route)
        bucket = self._buckets.get((route_key, major))
        if bucket is None or now >= bucket.reset_at:
            per = rule.per * self.limits.window_scale
            bucket = _Bucket(rule.limit, per, rule.limit, now + per)
            self._buckets[(route_key, major)] = bucket
        reset_after = max(bucket.reset_at - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": _bucket_hash(route_key),
        }
        if bucket.remaining <= 0:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            headers["Retry-After"] = f"{reset_after:.3f}"
            return Verdict(
                headers=headers,
                refused={"message": "You are being rate limited.", "retry_after": round(reset_after, 3), "global": False,
                          "code": 0},
            )
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return Verdict(headers=headers)


@dataclass
class Fault:
    kind: str  # "status" | "delay" | "rate_limit" | "lost" (applied, then the answer is lost)
    method: str | None = None
    path_contains: str | None = None
    count: int = 1
    status: int = 500
    body: Any = None
    delay: float = 0.0
    retry_after: float = 0.5
    global_: bool = False
    hits: int = 0
    how: str = "drop"  # "lost": "drop" (connection closed), "status" (``status`` after commit), "timeout"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method.upper()) and (
            self.path_contains is None or self.path_contains in path
        )


class Faults:
    """Faults to inject into the next matching REST requests (first match wins, each used ``count`` times)."""

    def __init__(self) -> None:
        self.pending: list[Fault] = []
        self.fired: list[Fault] = []

    def fail_next(
        self,
        status: int = 500,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        count: int = 1,
        body: Any = None,
    ) -> Fault:
        """Answer the next ``count`` matching requests with ``status`` (e.g. 500, 502, 503)."""
        return self._add(Fault("status", method, path_contains, count, status=status, body=body))

    def slow_next(
        self, seconds: float, *, method: str | None = None, path_contains: str | None = None, count: int = 1
    ) -> Fault:
        """Delay the next ``count`` matching requests by ``seconds`` before handling them."""
        return self._add(Fault("delay", method, path_contains, count, delay=seconds))

    def rate_limit_next(
        self,
        retry_after: float = 0.5,
        *,
        global_: bool = False,
        method: str | None = None,
        path_contains: str | None = None,
        count: int = 1,
    ) -> Fault:
        """Answer the next ``count`` matching requests with 429 and ``retry_after``."""
        return self._add(
            Fault("rate_limit", method, path_contains, count, status=429, retry_after=retry_after, global_=global_)
        )

    def lose_response_next(
        self,
        how: Literal["drop", "status", "timeout"] = "drop",
        *,
        status: int = 503,
        delay: float = 1.0,
        method: str | None = None,
        path_contains: str | None = None,
        count: int = 1,
    ) -> Fault:
        """Handle the next ``count`` matching requests (the write is applied) and lose the answer: the
        connection is dropped (``drop``), ``status`` is answered instead (a 5xx after commit), or nothing comes
        back for ``delay`` seconds and then the connection drops (``timeout``). This is what makes
        exactly-once mechanisms necessary: the client cannot tell whether its write happened."""
        return self._add(Fault("lost", method, path_contains, count, status=status, delay=delay, how=how))

    def _add(self, fault: Fault) -> Fault:
        self.pending.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        for fault in self.pending:
            if fault.matches(method, path):
                fault.hits += 1
                if fault.hits >= fault.count:
                    self.pending.remove(fault)
                self.fired.append(fault)
                return fault
        return None

    def clear(self) -> None:
        self.pending.clear()
