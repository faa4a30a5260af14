"""What the bot needs from a social platform it takes leads from (X, Bluesky, Mastodon): the Source interface.

No discord import, no SQL: the caller (a cog / scheduled job) stores posts and cursors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

PostKind = Literal["original", "reply", "quote", "retweet"]
PLATFORM_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}


def platform_name(platform: str) -> str:
    """How people call the platform: ``X``, ``Bluesky``, ``Mastodon``."""
    return PLATFORM_NAMES.get(platform, platform.capitalize())


@dataclass(frozen=True)
class Post:
    """One post as the bot sees it. ``post_id`` is unique per platform (store it with a unique constraint:
    re-reading a page after a crash must be harmless)."""

    platform: str
    post_id: str
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime | None
    kind: PostKind
    mentions_bot: bool
    is_own: bool = False  # posted by the bot's own account

    @property
    def is_lead(self) -> bool:
        """Original posts by someone else are leads; replies, quotes, retweets and the bot's own posts are
        not. Several leads by one author are one person: the caller dedups by ``author_id``."""
        return self.kind == "original" and not self.is_own

    @property
    def can_reply(self) -> bool:
        """Whether the platform lets the bot reply publicly. Never to its own posts. X accepts a programmatic
        reply only when the post @mentions the bot (or quotes one of its posts, which is never a lead): for
        the rest, queue a ready-to-copy invite for the organisers. Bluesky and Mastodon let anyone reply
        (a Bluesky threadgate can still refuse: the source reports that when it tries)."""
        if self.is_own:
            return False
        if self.platform == "x":
            return self.mentions_bot
        return True

    @property
    def url(self) -> str:
        if self.platform == "x":
            return f"https://x.com/{self.author_handle}/status/{self.post_id}"
        if self.platform == "bluesky":
            from bot.intake.bluesky_parse import post_url as bluesky_url

            return bluesky_url(self)
        if self.platform == "mastodon":
            from bot.intake.mastodon_parse import post_url as mastodon_url

            return mastodon_url(self)
        return ""


@dataclass(frozen=True)
class Page:
    """One page of a catch-up, newest posts first.

    ``cursor`` is the opaque cursor to store *in the same transaction as these posts*; storing it after
    every page is safe (see :mod:`bot.intake.cursor`). ``newest_id`` / ``oldest_id`` are this page's ids."""

    posts: tuple[Post, ...]
    cursor: str | None
    newest_id: str | None
    oldest_id: str | None
    index: int
    last: bool  # the catch-up finished with this page (cursor is then a plain newest post id)


@dataclass(frozen=True)
class PollResult:
    """The outcome of one poll: everything new (newest first) and what to do next.

    * ``new_cursor``: store it (None: keep the stored one).
    * ``paused_until``: rate limited; do not poll before this time (the poll never sleeps for it).
    * ``fatal_error``: bad credentials / forbidden (401/403); tell the organisers once and stop polling.
    * ``failure``: a transient error (5xx/timeouts) outlasted the retries; try again at the next poll.
    * ``warnings``: e.g. the stored cursor was older than X's 7-day search window and was dropped.
    """

    posts: tuple[Post, ...]
    new_cursor: str | None
    paused_until: datetime | None = None
    fatal_error: str | None = None
    failure: str | None = None
    pages: int = 0
    complete: bool = True
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.paused_until is None and self.fatal_error is None and self.failure is None


@dataclass(frozen=True)
class ReplyResult:
    """``ok`` with the new ``post_id``; or ``refused_reason`` (the platform won't allow it: don't retry,
    queue it for an organiser); or ``rate_limited_until``; or ``error`` (transient / unexpected). With
    ``credentials_error`` (a 401: the platform rejected the bot's credentials) the reply was not sent, and
    no reply on that account can go out until the credentials are fixed: stop replying, tell the organisers
    once, queue the lead."""

    ok: bool
    post_id: str | None = None
    refused_reason: str | None = None
    rate_limited_until: datetime | None = None
    error: str | None = None
    credentials_error: str | None = None


@dataclass(frozen=True)
class DeleteResult:
    """The answer to deleting one of the bot's own posts: ``ok`` (deleted, or ``gone`` already: either way it
    is not there); or ``rate_limited_until``; or ``error`` (transient: a DELETE may be tried again, it is
    idempotent); or ``refused_reason`` (the platform won't: credentials, not the bot's post)."""

    ok: bool
    gone: bool = False
    rate_limited_until: datetime | None = None
    error: str | None = None
    refused_reason: str | None = None


class PageRun(Protocol):
    """An async iterator of :class:`Page`; after it ends, the attributes tell why it ended."""

    paused_until: datetime | None
    fatal_error: str | None
    failure: str | None
    complete: bool
    warnings: list[str]

    def __aiter__(self) -> AsyncIterator[Page]: ...


@runtime_checkable
class Source(Protocol):
    """A platform the bot takes leads from."""

    platform: str

    async def poll(self, tag_query: str, since_id: str | None) -> PollResult:
        """Everything posted since the stored cursor ``since_id`` (None: the platform's recent window)."""
        ...

    def pages(self, tag_query: str, since_id: str | None) -> PageRun:
        """The same as :meth:`poll`, page by page, so each page and its cursor go into one transaction."""
        ...

    async def reply(self, post: Post | str, text: str) -> ReplyResult:
        """Reply publicly to ``post``; never raises for refusals or rate limits."""
        ...

    async def delete(self, post_id: str) -> DeleteResult:
        """Delete one of the bot's own posts (a reply that names someone who left); never raises."""
        ...
