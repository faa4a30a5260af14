"""Where a programme's leads come from: its sources grouped into feeds (one stored cursor each), and the
bot's account on each platform (a client, its own id, whether it may reply). No discord import.

* X: every X tag of the programme in one recent-search query (``(#A OR #B) -is:retweet``): one cursor.
* Bluesky: one ``searchPosts`` query per tag (its query syntax, ``OR`` included, is unspecified): a feed
  (and a cursor) per source; a post carrying two of the tags is stored once (unique post id).
* Mastodon: a hashtag timeline takes one tag on one instance: a feed (and a cursor) per source.

A source with ``replies = false`` leaves its leads to the organisers; when several tags share a feed, a post
may be replied to when it carries a tag whose source allows replies.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from tweepy.errors import HTTPException, Unauthorized

from bot.clock import Clock
from bot.intake.bluesky_parse import parse_time_cursor
from bot.intake.bluesky_source import BlueskySource, bluesky_query
from bot.intake.cursor import parse_cursor
from bot.intake.mastodon_parse import instance_domain
from bot.intake.mastodon_source import MastodonSource, fetch_mastodon_account
from bot.intake.paging import RetryPolicy
from bot.intake.source import platform_name
from bot.intake.x_parse import build_query, error_text
from bot.intake.x_source import XSource, fetch_bot_account, has_user_keys
from bot.services.programmes import Programme

XClientFactory = Callable[[], Any]
"""Makes the X client (a ``tweepy.asynchronous.AsyncClient``)."""
BlueskyClientFactory = Callable[[], Any]
"""Makes a logged-in ``atproto.AsyncClient``; may return an awaitable (a login), e.g.
:func:`~bot.intake.bluesky_source.make_bluesky_client_from_env`."""
MastodonClientFactory = Callable[[str], Any]
"""Makes a ``mastodon.Mastodon`` for an instance (``mastodon.social``), e.g.
:func:`~bot.intake.mastodon_source.make_mastodon_client_from_env`."""


@dataclass(frozen=True)
class Feed:
    """What one poller reads with one cursor: ``query`` keys the cursor row; ``search`` goes to the source."""

    platform: str
    query: str
    search: str
    tags: tuple[str, ...]
    replies: tuple[bool, ...]  # per tag
    instance: str | None = None
    visibility: str = "unlisted"

    @property
    def domain(self) -> str:
        return instance_domain(self.instance) if self.instance else ""

    @property
    def account_key(self) -> str:
        """Which bot account reads it: one per platform, one per Mastodon instance."""
        return f"mastodon:{self.domain}" if self.platform == "mastodon" else self.platform

    @property
    def where(self) -> str:
        """``#EduMentoring on X``, ``#A #B on Bluesky``, ``#EduMentoring on Mastodon (mastodon.social)``."""
        tags = " ".join(f"#{t}" for t in self.tags)
        there = f" ({self.domain})" if self.instance else ""
        return f"{tags} on {platform_name(self.platform)}{there}"

    def replies_for(self, text: str) -> bool:
        """Whether a post in this feed may get an automatic reply (its source allows replies)."""
        if all(self.replies):
            return True
        if not any(self.replies):
            return False
        lowered = text.lower()
        return any(ok and f"#{tag.lower()}" in lowered for tag, ok in zip(self.tags, self.replies, strict=True))


def feeds_for(programme: Programme, platform: str) -> list[Feed]:
    """The programme's feeds on ``platform`` (none when it has no sources there)."""
    sources = programme.config.intake.sources_on(platform)
    if not sources:
        return []
    tags = tuple(s.tag for s in sources)
    replies = tuple(s.replies for s in sources)
    if platform == "x":
        query = build_query(tags)
        return [Feed("x", query, query, tags, replies)]
    if platform == "bluesky":
        return [Feed("bluesky", bluesky_query([s.tag]), bluesky_query([s.tag]), (s.tag,), (s.replies,))
                for s in sources]
    feeds = []
    for s in sources:
        domain = instance_domain(s.instance or "")
        feeds.append(Feed("mastodon", f"{domain} #{s.tag}", f"#{s.tag}", (s.tag,), (s.replies,), s.instance,
                          s.visibility))
    return feeds


def cursor_partial(platform: str, cursor: str | None) -> bool:
    """Whether a stored cursor is in the middle of a catch-up (newer posts stored, older ones still to read)."""
    try:
        if platform == "x":
            return parse_cursor(cursor).partial
        if platform == "bluesky":
            return parse_time_cursor(cursor).partial
    except ValueError:
        return False
    return False  # Mastodon reads forward: its cursor is never partial


@dataclass
class Account:
    """The bot on one platform: its client, its own id (X user id, Bluesky DID, Mastodon acct).
    ``fingerprint`` tells one set of credentials from another (a truncated SHA-256, never the secret): replies
    stopped by a 401 start again by themselves once the credentials change."""

    client: Any
    own_id: str
    handle: str
    can_reply: bool
    why_not: str = ""  # when it can't reply
    fingerprint: str = ""


X_BEARER_ONLY = ("the bot has only X_BEARER_TOKEN: it can search X but not reply (set X_API_KEY, X_API_SECRET, "
                 "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET of the bot's account, with Read and Write permission)")


def fingerprint(*parts: object) -> str:
    """16 hex digits of SHA-256 over the credentials: equal for the same ones, useless to recover them."""
    return hashlib.sha256("\x1f".join(str(p or "") for p in parts).encode()).hexdigest()[:16]


class Unavailable(Exception):
    """The platform could not be reached (``failure``: try again next poll) or refused the bot (``fatal``)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


async def build_client(factory: Callable[..., Any], *args: Any) -> Any:
    """``factory(*args)``, awaited when it returns an awaitable (a login)."""
    client = factory(*args)
    return await client if inspect.isawaitable(client) else client


async def connect_x(factory: XClientFactory) -> Account:
    client = await build_client(factory)
    keys = fingerprint(*(getattr(client, k, None) for k in ("bearer_token", "consumer_key", "consumer_secret",
                                                            "access_token", "access_token_secret")))
    if not has_user_keys(client):  # X_BEARER_TOKEN alone: app-only search; /2/users/me needs user context
        return Account(client, "", "", False, X_BEARER_ONLY, keys)
    try:
        user_id, handle = await fetch_bot_account(client)
    except Unauthorized as exc:
        raise Unavailable("fatal", f"X rejected the credentials (401): {error_text(exc)}") from exc
    except HTTPException as exc:
        if exc.response is not None and getattr(exc.response, "status", 0) == 403:  # app-only: search, no replies
            return Account(client, "", "", False, "the bot's X credentials can search but not post", keys)
        raise Unavailable("failure", f"could not look up the bot's X account: {exc}") from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unavailable("failure", f"could not reach X: {exc}") from exc
    return Account(client, user_id, handle, bool(user_id), fingerprint=keys)


async def connect_bluesky(factory: BlueskyClientFactory) -> Account:
    from atproto_client.exceptions import (
        BadRequestError,
        LoginRequiredError,
        NetworkError,
        UnauthorizedError,
    )
    from atproto_core.exceptions import AtProtocolError

    try:
        client = await build_client(factory)
    except KeyError as exc:
        raise Unavailable("fatal", f"{exc.args[0]} is not set") from exc
    except (UnauthorizedError, LoginRequiredError, BadRequestError) as exc:
        raise Unavailable("fatal", f"Bluesky refused the login: {exc}") from exc
    except (NetworkError, TimeoutError, aiohttp.ClientError) as exc:
        raise Unavailable("failure", f"could not reach Bluesky: {type(exc).__name__} {exc}") from exc
    except AtProtocolError as exc:
        raise Unavailable("failure", f"could not log in to Bluesky: {type(exc).__name__} {exc}") from exc
    me = getattr(client, "me", None)
    session = getattr(client, "_session", None)
    did = str(getattr(me, "did", None) or getattr(session, "did", None) or "")
    handle = str(getattr(me, "handle", None) or getattr(session, "handle", None) or "")
    if not did:
        raise Unavailable("failure", "could not tell which Bluesky account the bot is")
    return Account(client, did, handle, True, fingerprint=fingerprint(did))


async def connect_mastodon(factory: MastodonClientFactory, instance: str) -> Account:
    from mastodon.errors import (
        MastodonError,
        MastodonNetworkError,
        MastodonServerError,
        MastodonUnauthorizedError,
    )

    client = await build_client(factory, instance)
    domain = instance_domain(instance)
    token = getattr(client, "access_token", None)
    keys = fingerprint(domain, token)
    if not token:
        return Account(client, f"@{domain}", "", False,
                       "the bot has no Mastodon access token (MASTODON_ACCESS_TOKEN), so it can't reply there", keys)
    try:
        acct = await fetch_mastodon_account(client, domain=domain)
    except MastodonUnauthorizedError:
        # a token is for one instance (or was revoked): public hashtag timelines are read without it
        client.access_token = None
        return Account(client, f"@{domain}", "", False,
                       f"{domain} rejected MASTODON_ACCESS_TOKEN (401), so the bot can't reply there; it still reads "
                       f"#tags there without it. A token belongs to one instance: set MASTODON_INSTANCE to the "
                       f"token's instance, or make a new token on {domain}", keys)
    except (MastodonServerError, MastodonNetworkError) as exc:
        raise Unavailable("failure", f"could not reach {domain}: {type(exc).__name__}") from exc
    except MastodonError as exc:
        raise Unavailable("failure", f"could not look up the bot's account on {domain}: {exc}") from exc
    return Account(client, acct, acct, True, fingerprint=keys)


def make_source(
    feed: Feed, account: Account, *, clock: Clock, retry: RetryPolicy, page_size: int, max_pages: int | None
) -> Any:
    """The :class:`~bot.intake.source.Source` reading ``feed`` as ``account``."""
    if feed.platform == "x":
        return XSource(account.client, bot_user_id=account.own_id, bot_handle=account.handle, clock=clock,
                       retry=retry, max_results=page_size, max_pages=max_pages)
    if feed.platform == "bluesky":
        return BlueskySource(account.client, own_did=account.own_id, clock=clock, retry=retry,
                             limit=max(1, min(page_size, 100)), max_pages=max_pages)
    visibility: Any = feed.visibility
    return MastodonSource(account.client, own_acct=account.own_id, clock=clock, retry=retry,
                          limit=max(1, min(page_size, 40)), max_pages=max_pages, visibility=visibility,
                          domain=feed.domain)


def tune(source: Any, *, retry: RetryPolicy, page_size: int, max_pages: int | None) -> None:
    """Apply the service's current retry policy and page sizes to a cached source."""
    source.retry, source.max_pages = retry, max_pages
    if isinstance(source, XSource):
        source.max_results = page_size
    elif isinstance(source, BlueskySource):
        source.limit = max(1, min(page_size, 100))
    elif isinstance(source, MastodonSource):
        source.limit = max(1, min(page_size, 40))


def may_retry(error: str) -> bool:
    """Whether a failed reply surely did not go out (the platform answered with an error), so it may be tried
    again later; timeouts and broken connections may have posted it: those are never retried."""
    answered = error.startswith(("X answered", "Bluesky answered", "Mastodon answered"))
    return answered and not any(word in error for word in ("Timeout", "Network", "timed out"))
