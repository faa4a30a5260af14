"""Shared plumbing of the Bluesky and Mastodon sources: how a catch-up run ends, a poll from its pages,
bounded retries with full jitter, and a bounded memory of the post ids a source has already returned."""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal, Protocol

from bot.intake.source import Page, PollResult, Post
from bot.intake.x_source import RetryPolicy

StopKind = Literal["paused", "fatal", "failure"]
__all__ = ["RetryPolicy", "RunEnd", "SeenIds", "Stop", "backoff", "collect"]


class Stop(Exception):
    """Ends a catch-up: ``paused`` (rate limited until ``until``), ``fatal`` (tell the organisers once and
    stop polling) or ``failure`` (transient; try again at the next poll)."""

    def __init__(self, kind: StopKind, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.kind: StopKind = kind
        self.reason = reason
        self.until = until


class RunEnd:
    """The attributes of a :class:`~bot.intake.source.PageRun` that say why it ended."""

    def __init__(self) -> None:
        self.paused_until: datetime | None = None
        self.fatal_error: str | None = None
        self.failure: str | None = None
        self.complete = False
        self.warnings: list[str] = []
        self.pages = 0

    def stopped(self, stop: Stop) -> None:
        if stop.kind == "paused":
            self.paused_until = stop.until
        elif stop.kind == "failure":
            self.failure = stop.reason
        else:
            self.fatal_error = stop.reason


class _Run(Protocol):
    paused_until: datetime | None
    fatal_error: str | None
    failure: str | None
    complete: bool
    warnings: list[str]

    def __aiter__(self) -> AsyncIterator[Page]: ...


async def collect(run: _Run) -> PollResult:
    """A whole catch-up as one :class:`PollResult` (``new_cursor`` is the last page's cursor)."""
    posts: list[Post] = []
    cursor: str | None = None
    count = 0
    async for page in run:
        posts.extend(page.posts)
        cursor = page.cursor if page.cursor is not None else cursor
        count += 1
    return PollResult(
        posts=tuple(posts),
        new_cursor=cursor,
        paused_until=run.paused_until,
        fatal_error=run.fatal_error,
        failure=run.failure,
        pages=count,
        complete=run.complete,
        warnings=tuple(run.warnings),
    )


def backoff(retry: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """Seconds to wait before retry ``attempt + 1``: uniform(0, min(max_delay, base_delay * 2**attempt))."""
    return rng.uniform(0, min(retry.max_delay, retry.base_delay * (2**attempt)))


class SeenIds:
    """The last ``size`` post ids a source returned, so overlapping requests do not return a post twice
    within one process (after a restart a re-read post is harmless: post ids are stored uniquely)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, post_id: object) -> bool:
        return post_id in self._ids

    def add(self, post_id: str) -> None:
        self._ids[post_id] = None
        self._ids.move_to_end(post_id)
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
