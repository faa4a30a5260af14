"""The Bluesky implementation of :class:`~bot.intake.source.Source`, on the atproto SDK's ``AsyncClient``.

Searching is ``app.bsky.feed.searchPosts`` (``q``, ``sort=latest``, ``since``, ``until``, ``cursor``,
``limit``) through ``AsyncClient.invoke_query`` — the SDK's own URL, session, auth and status → exception
mapping — so the rate-limit headers of successful pages can be read too; the JSON is validated into the
SDK's models. Replies are ``app.bsky.feed.post`` records with root/parent strong refs, made by
``AsyncClient.send_post`` after ``app.bsky.feed.getPosts`` says who the thread's root is and whether the
author's threadgate lets the bot reply. A 429 ends a poll with ``paused_until`` (``ratelimit-reset``);
it never sleeps. 5xx, timeouts and network errors are retried with jittered backoff a bounded number of
times; 401/403 (and a 400 for the query itself) are fatal. See :mod:`bot.intake.bluesky_parse` for ids
and the cursor.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from atproto_client import AsyncClient, models
from atproto_client.exceptions import (
    BadRequestError,
    LoginRequiredError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    RequestException,
    UnauthorizedError,
)
from atproto_client.models.utils import get_response_model
from atproto_client.utils import facet_detection
from atproto_core.exceptions import AtProtocolError

from bot.clock import Clock
from bot.intake.bluesky_parse import (
    TimeCursor,
    from_ms,
    iso_ms,
    parse_time_cursor,
    post_id_of,
    post_uri,
    sort_at,
    split_uri,
    to_ms,
    to_post,
)
from bot.intake.paging import RetryPolicy, RunEnd, SeenIds, Stop, collect
from bot.intake.retry import RetryingSource
from bot.intake.source import DeleteResult, Page, PollResult, Post, ReplyResult, Source

SEARCH_NSID = "app.bsky.feed.searchPosts"
RATE_WINDOW = timedelta(minutes=5)
__all__ = ["BlueskyPageRun", "BlueskySource", "RetryPolicy", "bluesky_query", "make_bluesky_client_from_env"]


def bluesky_query(tags: list[str] | tuple[str, ...]) -> str:
    """The search query for one hashtag: ``#EduMentoring``. One search per hashtag: the syntax of
    ``searchPosts``'s ``q`` (boolean operators included) is unspecified by Bluesky, so ``#A OR #B`` may
    mean "both", "either" or the word "OR"."""
    clean = [t.strip().lstrip("#＃") for t in tags if t.strip().lstrip("#＃")]
    if len(clean) != 1:
        raise ValueError(f"one hashtag per Bluesky search, not {len(clean)}")
    return f"#{clean[0]}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, RequestErrorBase) and exc.response is not None:
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _reset(headers: Mapping[str, Any] | None, default: datetime) -> datetime:
    raw = str((headers or {}).get("ratelimit-reset", ""))
    return datetime.fromtimestamp(int(raw), UTC) if raw.isdigit() else default


class BlueskySource(RetryingSource):
    """Leads from Bluesky's post search, and replies, for the bot's account (``own_did``)."""

    platform = "bluesky"

    def __init__(
        self,
        client: Any,
        *,
        own_did: str,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limit: int = 100,
        max_pages: int | None = None,
        initial_lookback: timedelta = timedelta(days=7),
        overlap: timedelta = timedelta(seconds=60),
    ) -> None:
        """``client``: a logged-in ``atproto.AsyncClient`` (see :func:`make_bluesky_client_from_env`)."""
        if not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100")
        self.client = client
        self.own_did = own_did
        self._init_retrying(clock, retry, rng, sleep)
        self.limit = limit
        self.max_pages = max_pages
        self.initial_lookback = initial_lookback
        self.overlap = overlap
        self.seen = SeenIds()

    # searching -------------------------------------------------------------------------------------------
    def pages(self, tag_query: str, since_id: str | None) -> BlueskyPageRun:
        """Catch up page by page from the stored cursor ``since_id``; store each page with its cursor."""
        return BlueskyPageRun(self, tag_query, since_id)

    async def poll(self, tag_query: str, since_id: str | None) -> PollResult:
        """The whole catch-up in one call (store ``new_cursor`` only together with all the posts)."""
        return await collect(self.pages(tag_query, since_id))

    async def _call(self, what: str, make: Callable[[], Awaitable[Any]]) -> Any:
        """One request with retries; raises :class:`Stop` for what ends the run."""

        def settle(exc: Exception) -> str | None:
            if isinstance(exc, RateLimitExceededError):
                until = exc.reset_at or self.clock.now() + RATE_WINDOW
                raise Stop("paused", f"Bluesky rate limit: {_reason(exc)}", until) from exc
            if isinstance(exc, UnauthorizedError | LoginRequiredError):
                raise Stop("fatal", f"Bluesky refused the credentials: {_reason(exc)}") from exc
            if isinstance(exc, BadRequestError):
                if "ExpiredToken" in str(exc):  # the SDK refreshes the session on the next call
                    raise Stop("failure", f"Bluesky session expired: {_reason(exc)}") from exc
                raise Stop("fatal", f"Bluesky rejected the {what} (400): {_reason(exc)}") from exc
            if isinstance(exc, NetworkError | TimeoutError):
                return _reason(exc)
            if isinstance(exc, RequestException):
                status = exc.response.status_code if exc.response is not None else 0
                if status < 500:
                    raise Stop("failure", f"Bluesky {what} failed: {_reason(exc)}") from exc
                return _reason(exc)
            if isinstance(exc, AtProtocolError):
                raise Stop("failure", f"Bluesky {what} failed: {_reason(exc)}") from exc
            return None

        return await self._retrying(lambda: self._timed(make), settle, f"Bluesky {what} failed")

    async def _search(self, params: dict[str, Any]) -> tuple[Any, Mapping[str, Any]]:
        model = models.AppBskyFeedSearchPosts.Params(**params)
        response = await self._call(
            "search",
            lambda: self.client.invoke_query(SEARCH_NSID, params=model, output_encoding="application/json"),
        )
        return get_response_model(response, models.AppBskyFeedSearchPosts.Response), response.headers

    def _note_limits(self, headers: Mapping[str, Any]) -> datetime | None:
        """Remember the rate-limit headers; the reset time when the window is used up."""
        return self._window_left(
            headers.get("ratelimit-remaining", ""), lambda: _reset(headers, self.clock.now() + RATE_WINDOW)
        )

    # replying --------------------------------------------------------------------------------------------
    async def reply(self, post: Post | str, text: str) -> ReplyResult:
        """Reply to ``post`` (a :class:`Post` or a post id / at-uri) with a reply record whose root and
        parent point into the thread. Never raises for Bluesky's answers. Refused without posting when the
        post is the bot's own, is gone, or its threadgate does not let the bot reply. Not retried."""
        if isinstance(post, Post):
            if post.is_own:
                return ReplyResult(ok=False, refused_reason="refused: that is the bot's own post")
            post_id = post.post_id
        else:
            post_id = post
        now = self.clock.now()
        waiting = self._reply_wait(now)
        if waiting is not None:
            return waiting
        try:
            uri = post_uri(post_id)
        except ValueError as exc:
            return ReplyResult(ok=False, refused_reason=f"refused: {exc}")
        try:
            async with asyncio.timeout(self.retry.timeout):
                self.requests += 1
                found = await self.client.app.bsky.feed.get_posts(models.AppBskyFeedGetPosts.Params(uris=[uri]))
                if not found.posts:
                    return ReplyResult(ok=False, refused_reason="refused: the post is gone")
                view = found.posts[0]
                if view.author.did == self.own_did:
                    return ReplyResult(ok=False, refused_reason="refused: that is the bot's own post")
                if view.viewer is not None and view.viewer.reply_disabled:
                    return ReplyResult(ok=False, refused_reason="refused: reply not allowed (threadgate)")
                parent = models.ComAtprotoRepoStrongRef.Main(uri=view.uri, cid=view.cid)
                thread = getattr(view.record, "reply", None)
                root = thread.root if thread is not None else parent
                self.requests += 1
                created = await self.client.send_post(
                    text,
                    profile_identify=self.own_did,
                    reply_to=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
                    facets=facet_detection.detect_facets(text) or None,
                )
        except RateLimitExceededError as exc:
            self.reply_paused_until = exc.reset_at or now + RATE_WINDOW
            return ReplyResult(ok=False, rate_limited_until=self.reply_paused_until)
        except (UnauthorizedError, LoginRequiredError) as exc:
            return ReplyResult(ok=False, credentials_error=f"Bluesky rejected the bot's session: {_reason(exc)}")
        except BadRequestError as exc:
            return ReplyResult(ok=False, refused_reason=f"refused: {_reason(exc)}")
        except (AtProtocolError, TimeoutError) as exc:
            return ReplyResult(ok=False, error=f"Bluesky answered {_reason(exc)}")
        return ReplyResult(ok=True, post_id=post_id_of(created.uri))

    async def post(self, text: str) -> ReplyResult:
        """A new post of the bot's own (a story a member chose to share), with its hashtags and links as
        facets. Never raises for Bluesky's answers; not retried."""
        now = self.clock.now()
        waiting = self._reply_wait(now)
        if waiting is not None:
            return waiting
        try:
            async with asyncio.timeout(self.retry.timeout):
                self.requests += 1
                created = await self.client.send_post(text, profile_identify=self.own_did,
                                                      facets=facet_detection.detect_facets(text) or None)
        except RateLimitExceededError as exc:
            self.reply_paused_until = exc.reset_at or now + RATE_WINDOW
            return ReplyResult(ok=False, rate_limited_until=self.reply_paused_until)
        except (UnauthorizedError, LoginRequiredError) as exc:
            return ReplyResult(ok=False, credentials_error=f"Bluesky rejected the bot's session: {_reason(exc)}")
        except BadRequestError as exc:
            return ReplyResult(ok=False, refused_reason=f"refused: {_reason(exc)}")
        except (AtProtocolError, TimeoutError) as exc:
            return ReplyResult(ok=False, error=f"Bluesky answered {_reason(exc)}")
        return ReplyResult(ok=True, post_id=post_id_of(created.uri))


    async def delete(self, post_id: str) -> DeleteResult:
        """``com.atproto.repo.deleteRecord`` of one of the bot's posts (its own repo; deleting a record that is
        not there succeeds too)."""
        now = self.clock.now()
        try:
            did, collection, rkey = split_uri(post_uri(post_id))
        except ValueError as exc:
            return DeleteResult(ok=False, refused_reason=str(exc))
        if did != self.own_did:
            return DeleteResult(ok=False, refused_reason="not a post of the bot's own account")
        try:
            async with asyncio.timeout(self.retry.timeout):
                self.requests += 1
                await self.client.com.atproto.repo.delete_record(models.ComAtprotoRepoDeleteRecord.Data(
                    repo=did, collection=collection, rkey=rkey))
        except RateLimitExceededError as exc:
            return DeleteResult(ok=False, rate_limited_until=exc.reset_at or now + RATE_WINDOW)
        except (UnauthorizedError, LoginRequiredError) as exc:
            return DeleteResult(ok=False, refused_reason=f"Bluesky rejected the bot's session: {_reason(exc)}")
        except BadRequestError as exc:
            return DeleteResult(ok=False, refused_reason=f"Bluesky refused: {_reason(exc)}")
        except (AtProtocolError, TimeoutError) as exc:
            return DeleteResult(ok=False, error=f"Bluesky answered {_reason(exc)}")
        return DeleteResult(ok=True)


class BlueskyPageRun(RunEnd):
    """``async for page in run`` yields :class:`Page` objects; afterwards ``paused_until``, ``fatal_error``,
    ``failure``, ``complete`` and ``warnings`` say how the catch-up ended."""

    def __init__(self, source: BlueskySource, query: str, cursor: str | None) -> None:
        super().__init__()
        self.source = source
        self.query = query
        self.cursor = cursor

    def __aiter__(self) -> AsyncIterator[Page]:
        return self._run()

    def _params(self, cur: TimeCursor, token: str | None) -> dict[str, Any]:
        src = self.source
        if cur.since_ms is None:
            since = src.clock.now() - src.initial_lookback
        else:
            since = from_ms(cur.since_ms) - src.overlap
        params: dict[str, Any] = {"q": self.query, "sort": "latest", "limit": src.limit, "since": iso_ms(since)}
        if cur.until_ms is not None:
            params["until"] = iso_ms(from_ms(cur.until_ms + 1))
        if token:
            params["cursor"] = token
        return params

    async def _run(self) -> AsyncIterator[Page]:
        src = self.source
        if self.still_paused(src):
            return
        try:
            cur = parse_time_cursor(self.cursor)
        except ValueError as exc:
            self.warnings.append(f"{exc}; reading the initial window again")
            cur = TimeCursor()
        req = cur
        token: str | None = None
        while True:
            try:
                body, headers = await src._search(self._params(req, token))
            except Stop as stop:
                self.stopped(stop)
                return
            views = list(body.posts or [])
            times = [t for t in (sort_at(v) for v in views) if t is not None]
            if cur.top_ms is None and times:
                newest = to_ms(max(times))
                if cur.since_ms is None or newest > cur.since_ms:
                    cur = TimeCursor(since_ms=cur.since_ms, until_ms=cur.until_ms, top_ms=newest)
            token = body.cursor if views else None
            more = bool(token)
            cur = cur.after_page(to_ms(min(times)) if times else None, more)
            posts: list[Post] = []
            for view in views:
                post = to_post(view, own_did=src.own_did)
                if post.post_id in src.seen:
                    continue
                src.seen.add(post.post_id)
                posts.append(post)
            newest_id = post_id_of(views[0].uri) if views else None
            oldest_id = post_id_of(views[-1].uri) if views else None
            yield self.page(posts, cur.encode(), newest_id, oldest_id, more)
            if not self.goes_on(more, src._note_limits(headers), src.max_pages):
                return


def _is_a_source(source: BlueskySource) -> Source:
    """Lets mypy check that BlueskySource satisfies the Source protocol."""
    return source


async def make_bluesky_client_from_env(
    *, base_url: str | None = None, env: Mapping[str, str] | None = None, **request_kwargs: Any
) -> AsyncClient:
    """A logged-in ``atproto.AsyncClient`` for the bot's account: ``BLUESKY_HANDLE`` and
    ``BLUESKY_APP_PASSWORD`` from the environment (an app password, never the account password);
    ``BLUESKY_SERVICE`` (or ``base_url``) picks the PDS, default https://bsky.social. ``client.me.did`` is
    the ``own_did`` for :class:`BlueskySource`. Raises KeyError when a variable is missing and the SDK's
    exceptions when the login fails."""
    values = os.environ if env is None else env
    handle = values["BLUESKY_HANDLE"]
    password = values["BLUESKY_APP_PASSWORD"]
    service = base_url or values.get("BLUESKY_SERVICE") or None
    client = _client(service, **request_kwargs)
    await client.login(handle, password)
    return client


def _client(base_url: str | None, **request_kwargs: Any) -> AsyncClient:
    from atproto_client.request import AsyncRequest

    return AsyncClient(base_url, request=AsyncRequest(**request_kwargs))
