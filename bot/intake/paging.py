"""Shared plumbing of the X, Bluesky and Mastodon sources: how a catch-up run ends, a poll from its pages,
bounded retries with full jitter (:mod:`bot.intake.retry`), and a bounded memory of the post ids a source
has already returned."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.intake.retry import RetryPolicy, Stop, StopKind, backoff
from bot.intake.source import Page, PageRun, PollResult, Post

__all__ = ["RetryPolicy", "RunEnd", "SeenIds", "Stop", "StopKind", "backoff", "collect"]


class _Reading(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def paused_until(self) -> datetime | None: ...


class RunEnd:
    """The attributes of a :class:`~bot.intake.source.PageRun` that say why it ended, and the steps every
    run takes: not to start while the source is rate limited, to number its pages, and to end when the
    catch-up is complete, the rate-limit window is used up, or ``max_pages`` are read."""

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

    def still_paused(self, source: _Reading) -> bool:
        """True (and ``paused_until`` set) when the source's rate limit has not reset yet."""
        if source.paused_until is not None and source.clock.now() < source.paused_until:
            self.paused_until = source.paused_until
            return True
        return False

    def page(
        self, posts: Iterable[Post], cursor: str | None, newest_id: str | None, oldest_id: str | None, more: bool
    ) -> Page:
        """The next page (``more``: older or newer pages remain)."""
        self.pages += 1
        return Page(
            posts=tuple(posts),
            cursor=cursor,
            newest_id=newest_id,
            oldest_id=oldest_id,
            index=self.pages - 1,
            last=not more,
        )

    def goes_on(self, more: bool, exhausted: datetime | None, max_pages: int | None) -> bool:
        """After a page is stored: whether to read the next one. ``exhausted``: the window is used up until
        then."""
        if not more:
            self.complete = True
            return False
        if exhausted is not None:
            self.paused_until = exhausted
            return False
        return max_pages is None or self.pages < max_pages


async def collect(run: PageRun) -> PollResult:
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
