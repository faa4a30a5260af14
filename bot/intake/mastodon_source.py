"""The Mastodon implementation of :class:`~bot.intake.source.Source`, on Mastodon.py.

Reads the public hashtag timeline of one configured instance (``GET /api/v1/timelines/tag/{tag}``) forward
from the stored status id with ``min_id`` (the ``Link: rel="prev"`` of each page gives the next
``min_id``), so each page's cursor is safe to store at once. Replies are statuses with
``in_reply_to_id`` and the configured visibility, which need ``MASTODON_ACCESS_TOKEN``.

Mastodon.py is synchronous (requests): every call runs in a worker thread (``asyncio.to_thread``) so the
event loop never blocks. The client must use ``ratelimit_method="throw"`` (the source sets it): a 429 ends a
poll with ``paused_until`` from ``X-RateLimit-Reset``, read from the response through a requests hook; it
never sleeps. 5xx and network errors are retried with jittered backoff a bounded number of times; 401,
403 and 422 (e.g. an instance that keeps its hashtag feeds for logged-in users) are fatal.
See :mod:`bot.intake.mastodon_parse` for ids and the cursor.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from bot.clock import Clock
from bot.intake.mastodon_parse import (
    full_acct,
    instance_domain,
    parse_cursor,
    post_id,
    rate_reset,
    snowflake_at,
    status_id_of,
    to_post,
)
from bot.intake.paging import RetryPolicy, RunEnd, Stop, collect
from bot.intake.retry import RetryingSource
from bot.intake.source import DeleteResult, Page, PollResult, Post, ReplyResult, Source

Visibility = Literal["public", "unlisted", "private", "direct"]
RATE_WINDOW = timedelta(minutes=5)
__all__ = ["MastodonPageRun", "MastodonSource", "RetryPolicy", "make_mastodon_client_from_env", "mastodon_tag"]

_local = threading.local()


def _remember_headers(response: Any, *args: Any, **kwargs: Any) -> Any:
    """requests response hook: keep the last response's headers for the calling thread."""
    _local.headers = dict(response.headers)
    return None


def _install_hook(client: Any) -> None:
    session = getattr(client, "session", None)
    hooks = getattr(session, "hooks", None)
    if isinstance(hooks, dict):
        found = hooks.setdefault("response", [])
        if _remember_headers not in found:
            found.append(_remember_headers)


def mastodon_tag(tag_query: str) -> str:
    """The hashtag name for the timeline path: ``EduMentoring`` from ``#EduMentoring``."""
    tag = tag_query.strip().lstrip("#＃").strip()
    if not tag or any(c.isspace() for c in tag):
        raise ValueError(f"a Mastodon hashtag timeline takes one hashtag, not {tag_query!r}")
    return tag


def _status(exc: Exception) -> int:
    args: tuple[Any, ...] = exc.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else 0


def _reason(exc: Exception) -> str:
    args: tuple[Any, ...] = exc.args
    if isinstance(exc, MastodonAPIError) and len(args) >= 4:
        return f"{args[1]} {args[2]}: {args[3]}" if args[3] else f"{args[1]} {args[2]}"
    return f"{type(exc).__name__}: {exc}"


class MastodonSource(RetryingSource):
    """Leads from one instance's hashtag timeline, and replies, for the bot's account ``own_acct``."""

    platform = "mastodon"

    def __init__(
        self,
        client: Any,
        *,
        own_acct: str,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limit: int = 40,
        max_pages: int | None = None,
        initial_lookback: timedelta = timedelta(days=7),
        visibility: Visibility = "unlisted",
        local_only: bool = False,
        mention_author: bool = True,
        domain: str | None = None,
    ) -> None:
        """``client``: a ``mastodon.Mastodon`` for the instance (see :func:`make_mastodon_client_from_env`).
        ``own_acct``: the bot's account, ``name@instance``. ``domain``: the instance's own domain, for
        local accounts (default: the domain of ``own_acct``, else the API host)."""
        if not 1 <= limit <= 40:
            raise ValueError("limit must be between 1 and 40")
        self.client = client
        if getattr(client, "ratelimit_method", "throw") != "throw":
            client.ratelimit_method = "throw"  # "wait"/"pace" would sleep inside a job
        _install_hook(client)
        api_domain = instance_domain(str(getattr(client, "api_base_url", "") or "localhost"))
        self.domain = (domain or own_acct.lstrip("@").partition("@")[2] or api_domain).lower()
        self.own_acct = full_acct(own_acct, self.domain)
        self._init_retrying(clock, retry, rng, sleep)
        self.limit = limit
        self.max_pages = max_pages
        self.initial_lookback = initial_lookback
        self.visibility: Visibility = visibility
        self.local_only = local_only
        self.mention_author = mention_author

    # calling Mastodon.py off the event loop ---------------------------------------------------------------
    async def _blocking(self, fn: Callable[[], Any]) -> tuple[Any, dict[str, str]]:
        """Run ``fn`` in a worker thread; (result, that response's headers). Exceptions propagate with the
        headers attached as ``exc.headers``."""

        def run() -> tuple[Any, dict[str, str]]:
            _local.headers = {}
            try:
                result = fn()
            except Exception as exc:
                exc.headers = dict(_local.headers)  # type: ignore[attr-defined]
                raise
            return result, dict(_local.headers)

        self.requests += 1
        return await asyncio.to_thread(run)

    def _until(self, headers: Mapping[str, str], default: datetime) -> datetime:
        lowered = {k.lower(): v for k, v in headers.items()}
        reset = rate_reset(lowered.get("x-ratelimit-reset"))
        if reset is None:
            raw = getattr(self.client, "ratelimit_reset", None)  # Mastodon.py's own reading (local time)
            return default if not isinstance(raw, int | float) else datetime.fromtimestamp(raw, default.tzinfo)
        return reset

    async def _timeline(self, tag: str, min_id: str) -> tuple[list[Any], Any, dict[str, str]]:
        def settle(exc: Exception) -> str | None:
            if isinstance(exc, MastodonRatelimitError):
                until = self._until(getattr(exc, "headers", {}), self.clock.now() + RATE_WINDOW)
                self.paused_until = until
                raise Stop("paused", "Mastodon rate limit", until) from exc
            if isinstance(exc, MastodonUnauthorizedError):
                raise Stop("fatal", f"Mastodon rejected the access token: {_reason(exc)}") from exc
            if isinstance(exc, MastodonServerError | MastodonNetworkError):
                return _reason(exc)
            if isinstance(exc, MastodonAPIError):
                if _status(exc) in (403, 422, 400, 410):
                    raise Stop("fatal", f"Mastodon refused the hashtag timeline: {_reason(exc)}") from exc
                raise Stop("failure", f"Mastodon hashtag timeline failed: {_reason(exc)}") from exc
            if isinstance(exc, MastodonError):
                raise Stop("failure", f"Mastodon hashtag timeline failed: {_reason(exc)}") from exc
            return None

        page, headers = await self._retrying(
            lambda: self._blocking(
                lambda: self.client.timeline_hashtag(tag, min_id=min_id, limit=self.limit, local=self.local_only)
            ),
            settle,
            "Mastodon hashtag timeline failed",
        )
        return list(page), page, headers

    def _note_limits(self, headers: Mapping[str, str]) -> datetime | None:
        lowered = {k.lower(): v for k, v in headers.items()}
        return self._window_left(
            lowered.get("x-ratelimit-remaining", ""), lambda: self._until(headers, self.clock.now() + RATE_WINDOW)
        )

    # searching -------------------------------------------------------------------------------------------
    def pages(self, tag_query: str, since_id: str | None) -> MastodonPageRun:
        """Catch up page by page (oldest first) from the stored status id ``since_id``."""
        return MastodonPageRun(self, tag_query, since_id)

    async def poll(self, tag_query: str, since_id: str | None) -> PollResult:
        """The whole catch-up in one call."""
        return await collect(self.pages(tag_query, since_id))

    # replying --------------------------------------------------------------------------------------------
    async def reply(self, post: Post | str, text: str) -> ReplyResult:
        """Reply to ``post`` (a :class:`Post` or a post id) with a status ``in_reply_to_id`` it, visibility
        as configured, starting with the author's @acct so they are notified. Never raises for Mastodon's
        answers; not retried (a retried POST could post twice)."""
        if not getattr(self.client, "access_token", None):
            return ReplyResult(ok=False, refused_reason="refused: no Mastodon access token configured")
        now = self.clock.now()
        waiting = self._reply_wait(now)
        if waiting is not None:
            return waiting
        try:
            status_id = status_id_of(post.post_id if isinstance(post, Post) else post)
        except ValueError as exc:
            return ReplyResult(ok=False, refused_reason=f"refused: {exc}")
        try:
            if isinstance(post, Post):
                author, own = post.author_handle, post.is_own
            else:
                status, _ = await self._blocking(lambda: self.client.status(status_id))
                found = to_post(status, domain=self.domain, own_acct=self.own_acct)
                author, own = found.author_handle, found.is_own
            if own:
                return ReplyResult(ok=False, refused_reason="refused: that is the bot's own post")
            body = text
            if self.mention_author and author and f"@{author.partition('@')[0]}".lower() not in text.lower():
                body = f"@{author} {text}"
            created, _ = await self._blocking(
                lambda: self.client.status_post(body, in_reply_to_id=status_id, visibility=self.visibility)
            )
        except MastodonRatelimitError as exc:
            self.reply_paused_until = self._until(getattr(exc, "headers", {}), now + RATE_WINDOW)
            return ReplyResult(ok=False, rate_limited_until=self.reply_paused_until)
        except MastodonNotFoundError:
            return ReplyResult(ok=False, refused_reason="refused: the post is gone")
        except MastodonUnauthorizedError as exc:
            return ReplyResult(ok=False, credentials_error=f"{self.domain or 'Mastodon'} rejected the bot's access "
                                                            f"token (401): {_reason(exc)}")
        except (MastodonServerError, MastodonNetworkError) as exc:
            return ReplyResult(ok=False, error=f"Mastodon answered {_reason(exc)}")
        except MastodonAPIError as exc:
            return ReplyResult(ok=False, refused_reason=f"refused: {_reason(exc)}")
        except MastodonError as exc:
            return ReplyResult(ok=False, error=f"Mastodon answered {_reason(exc)}")
        return ReplyResult(ok=True, post_id=post_id(created.get("id"), self.domain))

    async def post(self, text: str) -> ReplyResult:
        """A new public status of the bot's own (a story a member chose to share). Never raises for
        Mastodon's answers; not retried."""
        if not getattr(self.client, "access_token", None):
            return ReplyResult(ok=False, refused_reason="refused: no Mastodon access token configured")
        now = self.clock.now()
        waiting = self._reply_wait(now)
        if waiting is not None:
            return waiting
        try:
            created, _ = await self._blocking(lambda: self.client.status_post(text, visibility="public"))
        except MastodonRatelimitError as exc:
            self.reply_paused_until = self._until(getattr(exc, "headers", {}), now + RATE_WINDOW)
            return ReplyResult(ok=False, rate_limited_until=self.reply_paused_until)
        except MastodonUnauthorizedError as exc:
            return ReplyResult(ok=False, credentials_error=f"{self.domain or 'Mastodon'} rejected the bot's access "
                                                            f"token (401): {_reason(exc)}")
        except (MastodonServerError, MastodonNetworkError) as exc:
            return ReplyResult(ok=False, error=f"Mastodon answered {_reason(exc)}")
        except MastodonAPIError as exc:
            return ReplyResult(ok=False, refused_reason=f"refused: {_reason(exc)}")
        except MastodonError as exc:
            return ReplyResult(ok=False, error=f"Mastodon answered {_reason(exc)}")
        return ReplyResult(ok=True, post_id=post_id(created.get("id"), self.domain))


    async def delete(self, post_id: str) -> DeleteResult:
        """``DELETE /api/v1/statuses/:id`` of one of the bot's statuses; a 404 ("Record not found") means it is
        not there (Mastodon answers the same for a status that is not the account's)."""
        if not getattr(self.client, "access_token", None):
            return DeleteResult(ok=False, refused_reason="no Mastodon access token configured")
        now = self.clock.now()
        try:
            status_id = status_id_of(post_id)
        except ValueError as exc:
            return DeleteResult(ok=False, refused_reason=str(exc))
        try:
            await self._blocking(lambda: self.client.status_delete(status_id))
        except MastodonRatelimitError as exc:
            return DeleteResult(ok=False, rate_limited_until=self._until(getattr(exc, "headers", {}),
                                                                          now + RATE_WINDOW))
        except MastodonNotFoundError:
            return DeleteResult(ok=True, gone=True)
        except MastodonUnauthorizedError as exc:
            return DeleteResult(ok=False, refused_reason=f"{self.domain or 'Mastodon'} rejected the bot's access "
                                                         f"token (401): {_reason(exc)}")
        except (MastodonServerError, MastodonNetworkError) as exc:
            return DeleteResult(ok=False, error=f"Mastodon answered {_reason(exc)}")
        except MastodonAPIError as exc:
            return DeleteResult(ok=False, refused_reason=f"Mastodon refused: {_reason(exc)}")
        except MastodonError as exc:
            return DeleteResult(ok=False, error=f"Mastodon answered {_reason(exc)}")
        return DeleteResult(ok=True)


class MastodonPageRun(RunEnd):
    """``async for page in run`` yields :class:`Page` objects (oldest page first, each page newest first);
    afterwards ``paused_until``, ``fatal_error``, ``failure``, ``complete`` and ``warnings`` say why it ended."""

    def __init__(self, source: MastodonSource, query: str, cursor: str | None) -> None:
        super().__init__()
        self.source = source
        self.query = query
        self.cursor = cursor

    def __aiter__(self) -> AsyncIterator[Page]:
        return self._run()

    async def _run(self) -> AsyncIterator[Page]:
        src = self.source
        if self.still_paused(src):
            return
        try:
            tag = mastodon_tag(self.query)
            stored = parse_cursor(self.cursor)
        except ValueError as exc:
            self.fatal_error = str(exc)
            return
        min_id = stored or str(snowflake_at(src.clock.now() - src.initial_lookback))
        while True:
            try:
                statuses, page, headers = await src._timeline(tag, min_id)
            except Stop as stop:
                self.stopped(stop)
                return
            ids = sorted((str(s.get("id")) for s in statuses), key=int)
            newest = ids[-1] if ids else None
            prev = getattr(page, "_pagination_prev", None) or {}
            link_min = str(prev.get("min_id", "")) if isinstance(prev, dict) else ""
            if newest is not None and link_min.isdigit() and int(link_min) >= int(newest):
                newest = link_min  # the Link header's rel="prev", as Mastodon pages
            if newest is not None:
                stored = min_id = newest
            more = len(statuses) >= src.limit
            yield self.page(
                (to_post(s, domain=src.domain, own_acct=src.own_acct) for s in statuses),
                stored,
                post_id(ids[-1], src.domain) if ids else None,
                post_id(ids[0], src.domain) if ids else None,
                more,
            )
            if not self.goes_on(more, src._note_limits(headers), src.max_pages):
                return


def _is_a_source(source: MastodonSource) -> Source:
    """Lets mypy check that MastodonSource satisfies the Source protocol."""
    return source


def make_mastodon_client_from_env(
    instance: str, *, env: Mapping[str, str] | None = None, session: Any = None, request_timeout: float = 20.0
) -> Mastodon:
    """A ``mastodon.Mastodon`` for ``instance`` (``mastodon.social`` or a full base URL), with the access
    token from ``MASTODON_ACCESS_TOKEN`` when set (needed for replies; reading public hashtag timelines
    works without one on most instances). Rate limits throw instead of sleeping; no version check
    request. Makes no request itself."""
    values = os.environ if env is None else env
    token = values.get("MASTODON_ACCESS_TOKEN") or None
    return Mastodon(
        api_base_url=instance,
        access_token=token,
        ratelimit_method="throw",
        request_timeout=request_timeout,
        version_check_mode="none",
        session=session,
    )


async def fetch_mastodon_account(client: Any, *, domain: str | None = None) -> str:
    """The bot's ``acct@instance`` from ``GET /api/v1/accounts/verify_credentials`` (in a worker thread);
    ``domain``: the instance's own domain when it differs from the API host. Raises Mastodon.py's
    exceptions."""
    account = await asyncio.to_thread(client.account_verify_credentials)
    return full_acct(str(account.get("acct")), domain or instance_domain(str(client.api_base_url)))
