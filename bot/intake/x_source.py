"""The X implementation of :class:`~bot.intake.source.Source`, on tweepy's ``AsyncClient`` (API v2).

Searching goes through ``AsyncClient.request`` (tweepy's own URL, auth, and status → exception mapping) so
the rate-limit headers of successful pages can be read too — ``search_recent_tweets`` drops them — and the
JSON is turned into ``tweepy.Tweet`` / ``tweepy.User``. Replies use ``AsyncClient.create_tweet``.
The client must not use ``wait_on_rate_limit``: a 429 ends the poll with ``paused_until``; it never sleeps.
5xx, timeouts and connection errors are retried with exponential backoff and full jitter, a bounded
number of times within one poll. 401/403 (and a 400 for the query itself) are fatal: report and stop.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import tweepy
from tweepy.errors import (
    BadRequest,
    Forbidden,
    HTTPException,
    NotFound,
    TooManyRequests,
    TwitterServerError,
    Unauthorized,
)

from bot.clock import Clock
from bot.intake.cursor import XCursor, parse_cursor
from bot.intake.paging import RunEnd, Stop, collect
from bot.intake.retry import RetryingSource, RetryPolicy
from bot.intake.source import DeleteResult, Page, PollResult, Post, ReplyResult, Source
from bot.intake.x_parse import REPLY_NOT_ALLOWED, build_query, error_text, reset_time, to_posts

SEARCH_ROUTE = "/2/tweets/search/recent"
RATE_WINDOW = timedelta(minutes=15)
__all__ = ["RetryPolicy", "XPageRun", "XSource", "build_query", "fetch_bot_account", "has_user_keys"]


class XSource(RetryingSource):
    """Leads from X's recent search, and public replies, for the bot's account."""

    platform = "x"

    def __init__(
        self,
        client: Any,
        *,
        bot_user_id: str,
        bot_handle: str,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_results: int = 100,
        max_pages: int | None = None,
        search_user_auth: bool | None = None,
        reply_user_auth: bool | None = None,
    ) -> None:
        """``client``: a ``tweepy.asynchronous.AsyncClient`` built by the caller (app bearer token for search,
        the bot's user credentials for replies). ``search_user_auth`` / ``reply_user_auth`` default to
        OAuth 1.0a user context when the client has no bearer token / has consumer+access keys."""
        self.client = client
        self.bot_user_id = str(bot_user_id)
        self.bot_handle = bot_handle.lstrip("@")
        self._init_retrying(clock, retry, rng, sleep)
        self.max_results = max_results
        self.max_pages = max_pages
        self.search_user_auth = (
            search_user_auth if search_user_auth is not None else not getattr(client, "bearer_token", None)
        )
        self.reply_user_auth = reply_user_auth if reply_user_auth is not None else has_user_keys(client)

    # searching -------------------------------------------------------------------------------------------
    def pages(self, tag_query: str, since_id: str | None) -> XPageRun:
        """Catch up page by page from the stored cursor ``since_id`` (a cursor from a previous page or
        poll, or a plain post id). Store each page's posts and ``page.cursor`` in one transaction."""
        return XPageRun(self, tag_query, since_id)

    async def poll(self, tag_query: str, since_id: str | None) -> PollResult:
        """The whole catch-up in one call. ``new_cursor`` is only safe to store together with *all* the
        posts; use :meth:`pages` to store page by page."""
        return await collect(self.pages(tag_query, since_id))

    async def _search(self, params: dict[str, str]) -> tuple[dict[str, Any], Mapping[str, str]]:
        """One search request with retries; raises :class:`Stop` for what ends the poll."""

        async def once() -> tuple[dict[str, Any], Mapping[str, str]]:
            response = await self.client.request("GET", SEARCH_ROUTE, params=params, user_auth=self.search_user_auth)
            body: dict[str, Any] = await response.json()
            return body, response.headers

        def settle(exc: Exception) -> str | None:
            if isinstance(exc, TooManyRequests):
                until = reset_time(exc, self.clock.now() + RATE_WINDOW)
                self.paused_until = until
                raise Stop("paused", error_text(exc), until) from exc
            if isinstance(exc, Unauthorized):
                raise Stop("fatal", f"X rejected the credentials (401): {error_text(exc)}") from exc
            if isinstance(exc, Forbidden):
                raise Stop("fatal", f"X refused the search (403): {error_text(exc)}") from exc
            if isinstance(exc, BadRequest):
                if "since_id" in error_text(exc):
                    raise Stop("stale_since", error_text(exc)) from exc
                raise Stop("fatal", f"X rejected the search (400): {error_text(exc)}") from exc
            if isinstance(exc, TwitterServerError | TimeoutError | aiohttp.ClientError):
                return error_text(exc) if isinstance(exc, HTTPException) else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, HTTPException):
                raise Stop("failure", f"X search failed: {error_text(exc)}") from exc
            return None

        return await self._retrying(lambda: self._timed(once), settle, "X search failed")

    def _note_limits(self, headers: Mapping[str, str]) -> datetime | None:
        """Remember the rate-limit headers; the reset time when the window is used up."""

        def reset() -> datetime:
            raw = headers.get("x-rate-limit-reset", "")
            return datetime.fromtimestamp(int(raw), UTC) if raw.isdigit() else self.clock.now() + RATE_WINDOW

        return self._window_left(headers.get("x-rate-limit-remaining"), reset)

    def _post(self, tweet: tweepy.Tweet, users: Mapping[int, tweepy.User]) -> Post:
        return to_posts([tweet], users, bot_user_id=self.bot_user_id, bot_handle=self.bot_handle)[0]

    # replying --------------------------------------------------------------------------------------------
    async def reply(self, post: Post | str, text: str, *, force: bool = False) -> ReplyResult:
        """Reply to ``post`` (a :class:`Post` or a post id). Never raises for X's answers: a 403 becomes
        ``refused_reason="refused: reply not allowed"``, a 429 ``rate_limited_until``, a 401
        ``credentials_error``. A :class:`Post` that
        does not mention the bot is refused here without a request (X would refuse it: a wasted call),
        unless ``force``. Not retried: a retried POST could post twice."""
        if isinstance(post, Post):
            if post.is_own:
                return ReplyResult(ok=False, refused_reason="refused: that is the bot's own post")
            if not post.can_reply and not force:
                return ReplyResult(
                    ok=False, refused_reason=f"refused: reply not allowed (the post does not mention @{self.bot_handle})"
                )
            post_id = post.post_id
        else:
            post_id = post
        return await self._create(text, post_id)

    async def post(self, text: str) -> ReplyResult:
        """A new post of the bot's own (a story a member chose to share), answered like :meth:`reply`.
        Not retried: a retried POST could post twice."""
        return await self._create(text, None)

    async def _create(self, text: str, reply_to: str | None) -> ReplyResult:
        now = self.clock.now()
        waiting = self._reply_wait(now)
        if waiting is not None:
            return waiting
        try:
            async with asyncio.timeout(self.retry.timeout):
                self.requests += 1
                response = await self.client.create_tweet(
                    text=text, user_auth=self.reply_user_auth,
                    **({"in_reply_to_tweet_id": reply_to} if reply_to is not None else {}),
                )
        except TooManyRequests as exc:
            self.reply_paused_until = reset_time(exc, now + RATE_WINDOW)
            return ReplyResult(ok=False, rate_limited_until=self.reply_paused_until)
        except Unauthorized as exc:
            return ReplyResult(ok=False, credentials_error=f"X rejected the bot's credentials (401): {error_text(exc)}")
        except Forbidden as exc:
            detail = error_text(exc)
            if REPLY_NOT_ALLOWED in detail.lower() or "reply not allowed" in detail.lower():
                return ReplyResult(ok=False, refused_reason="refused: reply not allowed")
            return ReplyResult(ok=False, refused_reason=f"refused: {detail}")
        except HTTPException as exc:
            return ReplyResult(ok=False, error=f"X answered {error_text(exc)}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            return ReplyResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        data = response.get("data") if isinstance(response, dict) else getattr(response, "data", None)
        new_id = str(data["id"]) if isinstance(data, dict) and "id" in data else None
        return ReplyResult(ok=True, post_id=new_id)


    async def delete(self, post_id: str) -> DeleteResult:
        """``DELETE /2/tweets/:id`` of one of the bot's posts. ``{"deleted": false}`` or a 404: it is not there."""
        now = self.clock.now()
        try:
            async with asyncio.timeout(self.retry.timeout):
                self.requests += 1
                response = await self.client.delete_tweet(post_id, user_auth=self.reply_user_auth)
        except TooManyRequests as exc:
            return DeleteResult(ok=False, rate_limited_until=reset_time(exc, now + RATE_WINDOW))
        except NotFound:
            return DeleteResult(ok=True, gone=True)
        except Unauthorized as exc:
            return DeleteResult(ok=False, refused_reason=f"X rejected the bot's credentials (401): {error_text(exc)}")
        except Forbidden as exc:
            return DeleteResult(ok=False, refused_reason=f"X refused (403): {error_text(exc)}")
        except HTTPException as exc:
            return DeleteResult(ok=False, error=f"X answered {error_text(exc)}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            return DeleteResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        data = response.get("data") if isinstance(response, dict) else getattr(response, "data", None)
        deleted = isinstance(data, dict) and data.get("deleted") is True
        return DeleteResult(ok=True, gone=not deleted)


class XPageRun(RunEnd):
    """``async for page in run`` yields :class:`Page` objects; afterwards ``paused_until``, ``fatal_error``,
    ``failure``, ``complete`` and ``warnings`` say how the catch-up ended."""

    def __init__(self, source: XSource, query: str, cursor: str | None) -> None:
        super().__init__()
        self.source = source
        self.query = query
        self.start = parse_cursor(cursor)

    def __aiter__(self) -> AsyncIterator[Page]:
        return self._run()

    def _params(self, cur: XCursor, token: str | None) -> dict[str, str]:
        params = {
            "query": self.query,
            "max_results": str(self.source.max_results),
            "expansions": "author_id",
            "tweet.fields": "author_id,created_at,referenced_tweets,in_reply_to_user_id,entities",
            "user.fields": "username,name",
        }
        if cur.since_id:
            params["since_id"] = cur.since_id
        if cur.until_id:
            params["until_id"] = cur.until_id
        if token:
            params["next_token"] = token
        return params

    async def _run(self) -> AsyncIterator[Page]:
        src = self.source
        if self.still_paused(src):
            return
        cur = self.start  # progress: what is true once the pages so far are stored
        req = cur  # since_id/until_id of the requests: fixed while following next_token, as X expects
        token: str | None = None
        while True:
            try:
                body, headers = await src._search(self._params(req, token))
            except Stop as stop:
                if stop.kind == "stale_since" and token is None and cur.since_id:
                    self.warnings.append(
                        f"the stored cursor is older than X's search window; posts before it are lost ({stop.reason})"
                    )
                    cur = req = XCursor(since_id=None, until_id=cur.until_id, top_id=cur.top_id)
                    continue
                self.stopped(stop)
                return
            meta = body.get("meta") or {}
            tweets = [tweepy.Tweet(t) for t in body.get("data") or []]
            users = {int(u["id"]): tweepy.User(u) for u in (body.get("includes") or {}).get("users", [])}
            posts = tuple(src._post(t, users) for t in tweets)
            if cur.top_id is None and meta.get("newest_id"):
                cur = XCursor(since_id=cur.since_id, until_id=cur.until_id, top_id=str(meta["newest_id"]))
            token = meta.get("next_token")
            more = bool(token)
            cur = cur.after_page(meta.get("oldest_id"), more)
            yield self.page(posts, cur.encode(), meta.get("newest_id"), meta.get("oldest_id"), more)
            if not self.goes_on(more, src._note_limits(headers), src.max_pages):
                return


def _is_a_source(source: XSource) -> Source:
    """Lets mypy check that XSource satisfies the Source protocol."""
    return source


def has_user_keys(client: Any) -> bool:
    """Whether the client holds the four OAuth 1.0a keys (user context: ``/2/users/me``, replies). With
    ``X_BEARER_TOKEN`` alone it can only search: tweepy raises ``ValueError`` while signing a user-context
    request without them."""
    keys = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    return all(getattr(client, k, None) for k in keys)


async def fetch_bot_account(client: Any, *, user_auth: bool = True) -> tuple[str, str]:
    """(user id, handle) of the account the client's user credentials belong to (``GET /2/users/me``), for
    building an :class:`XSource` when only the credentials are configured. Raises tweepy's exceptions, and
    ``ValueError`` for ``user_auth`` without the user keys (see :func:`has_user_keys`)."""
    if user_auth and not has_user_keys(client):
        raise ValueError("no OAuth 1.0a user keys: only X_BEARER_TOKEN is set")
    response = await client.get_me(user_auth=user_auth)
    data = response.get("data") if isinstance(response, dict) else getattr(response, "data", None)
    if data is None:
        raise RuntimeError("X did not say who the bot account is")
    if isinstance(data, dict):
        return str(data["id"]), str(data["username"])
    return str(data.id), str(data.username)
