"""SandboxX: a local X API v2 (aiohttp) that the real tweepy AsyncClient talks to.

Endpoints: ``GET /2/tweets/search/recent``, ``POST /2/tweets``, ``GET /2/users/me``. Auth: the app bearer
token (search only), or the bot account's user credentials (OAuth 1.0a ``oauth_token`` / OAuth 2.0 user
bearer token), anything else is 401. Rate-limit headers on every search/create response, X's error bodies,
injectable faults, and a log of every request stamped with the sandbox clock.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import unquote

import aiohttp
from aiohttp import web

from bot.clock import Clock, SandboxClock
from bot.sandbox.x.api import ApiError, create_post_checks, problem, search_recent
from bot.sandbox.x.connect import connect_async_client
from bot.sandbox.x.limits import Faults, Window
from bot.sandbox.x.model import JSON, SandboxPost, SandboxUser
from bot.sandbox.x.store import XStore

SEARCH_PATH = "/2/tweets/search/recent"
CREATE_PATH = "/2/tweets"
ME_PATH = "/2/users/me"
_OAUTH_RE = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class RequestRecord:
    """One request the local X answered."""

    t: datetime
    method: str
    path: str  # with the decoded query string
    json: Any
    status: int
    response: Any
    headers: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": self.t.isoformat(),
            "method": self.method,
            "path": self.path,
            "json": self.json,
            "status": self.status,
            "response": self.response,
        }


class SandboxX:
    """The local X. ``await start()``, point tweepy at :attr:`base_url`, add posts, inspect :attr:`log`."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        bot_handle: str = "MentorBot",
        bot_name: str | None = None,
        bearer_token: str = "sandbox-app-bearer",
        consumer_key: str = "sandbox-consumer-key",
        consumer_secret: str = "sandbox-consumer-secret",
        access_token: str = "sandbox-access-token",
        access_token_secret: str = "sandbox-access-secret",
        user_bearer_token: str = "sandbox-user-bearer",
        search_limit: int = 450,
        create_limit: int = 100,
        restrict_replies: bool = True,
        recent_window: timedelta = timedelta(days=7),
    ) -> None:
        self.clock: Clock = clock or SandboxClock()
        self.store = XStore()
        self.bot_account: SandboxUser = self.store.add_user(bot_handle, bot_name or bot_handle)
        self.credentials: dict[str, str] = {
            "bearer_token": bearer_token,
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "access_token": access_token,
            "access_token_secret": access_token_secret,
        }
        self.user_bearer_token = user_bearer_token
        self.restrict_replies = restrict_replies
        self.recent_window = recent_window
        self.faults = Faults()
        self.limits: dict[str, Window] = {"search": Window(search_limit), "create": Window(create_limit)}
        self.log: list[RequestRecord] = []
        self.replies: list[SandboxPost] = []
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._sessions: list[aiohttp.ClientSession] = []
        self.handler_seconds = 0.0  # time spent answering requests (for benchmarks)

    # lifecycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = cast(Any, site)._server
        port = server.sockets[0].getsockname()[1]
        self._base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for session in self._sessions:
            await session.close()
        self._sessions.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxX:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("SandboxX is not started")
        return self._base_url

    # scenario --------------------------------------------------------------------------------------------
    def add_user(self, handle: str, name: str | None = None, *, user_id: str | None = None) -> SandboxUser:
        """Add (or return) the account ``@handle``."""
        return self.store.add_user(handle, name, user_id=user_id, created_at=self.clock.now())

    def add_post(
        self,
        text: str,
        author_handle: str,
        author_name: str | None = None,
        created_at: datetime | None = None,
        reply_to: str | None = None,
        quote_of: str | None = None,
        retweet_of: str | None = None,
    ) -> str:
        """Add a post by ``@author_handle`` and return its id. A post dated in the future becomes visible
        to search when the clock reaches it. A retweet's text is X's ``RT @author: original text``; a reply's
        text gets the replied-to author's @handle in front, as X shows it."""
        author = self.store.add_user(author_handle, author_name)
        when = created_at or self.clock.now()
        if when.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        return self._insert(text, author, when, reply_to=reply_to, quote_of=quote_of, retweet_of=retweet_of).id

    def _insert(
        self,
        text: str,
        author: SandboxUser,
        when: datetime,
        *,
        reply_to: str | None = None,
        quote_of: str | None = None,
        retweet_of: str | None = None,
        by_api: bool = False,
    ) -> SandboxPost:
        post_id = str(self.store.new_id(when))
        referenced: list[tuple[str, str]] = []
        in_reply_to_user: str | None = None
        conversation = post_id
        if retweet_of is not None:
            original = self._existing(retweet_of)
            text = f"RT @{original.author.username}: {original.text}"
            if len(text) > 280:
                text = text[:279] + "…"
            referenced.append(("retweeted", original.id))
        if reply_to is not None:
            parent = self._existing(reply_to)
            prefix = f"@{parent.author.username}"
            if not by_api and not text.lower().startswith(prefix.lower()):
                text = f"{prefix} {text}"
            referenced.append(("replied_to", parent.id))
            in_reply_to_user = parent.author.id
            conversation = parent.conversation_id
        if quote_of is not None:
            referenced.append(("quoted", self._existing(quote_of).id))
        post = SandboxPost(
            id=post_id,
            text=text,
            author=author,
            created_at=when,
            conversation_id=conversation,
            referenced=referenced,
            in_reply_to_user_id=in_reply_to_user,
            by_bot_api=by_api,
        )
        self.store.insert(post)
        return post

    def _existing(self, post_id: str) -> SandboxPost:
        post = self.store.get(post_id)
        if post is None:
            raise KeyError(f"no post {post_id}")
        return post

    @property
    def posts(self) -> list[SandboxPost]:
        """Every post, oldest first."""
        return self.store.all()

    @property
    def bot_posts(self) -> list[SandboxPost]:
        """Everything the bot posted through the API (replies and others), oldest first."""
        return [p for p in self.store.all() if p.by_bot_api]

    def post(self, post_id: str) -> SandboxPost:
        return self._existing(post_id)

    def set_rate_limit(self, n_per_window: int, endpoint: str = "search") -> None:
        """Requests allowed per 15-minute window for ``search`` or ``create``; starts a fresh window."""
        self.limits[endpoint] = Window(n_per_window)

    def export_log(self) -> list[dict[str, Any]]:
        """The request log as ``{"t", "method", "path", "json", "status", "response"}`` dicts."""
        return [r.to_dict() for r in self.log]

    def make_client(self, **kwargs: Any) -> Any:
        """A ``tweepy.asynchronous.AsyncClient`` with the bot's credentials, pointed at this server (the
        session is closed by :meth:`stop`)."""
        from tweepy.asynchronous import AsyncClient

        client = AsyncClient(**{**self.credentials, **kwargs})
        connect_async_client(client, self.base_url)
        self._sessions.append(client.session)
        return client

    # HTTP ------------------------------------------------------------------------------------------------
    def _who(self, request: web.Request) -> str | None:
        """``"app"``, the bot's user id, or None (401)."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header[7:].strip()
            if token == self.credentials["bearer_token"]:
                return "app"
            if token == self.user_bearer_token:
                return self.bot_account.id
            return None
        if header.startswith("OAuth "):
            fields = {k: unquote(v) for k, v in _OAUTH_RE.findall(header)}
            if (
                fields.get("oauth_consumer_key") == self.credentials["consumer_key"]
                and fields.get("oauth_token") == self.credentials["access_token"]
            ):
                return self.bot_account.id
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            return await self._answer(request)
        finally:
            self.handler_seconds += time.perf_counter() - started

    async def _answer(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        params = dict(request.query)
        endpoint = {SEARCH_PATH: "search", CREATE_PATH: "create"}.get(request.path)
        headers: dict[str, str] = {}
        try:
            status, payload = await self._route(request, params, body, endpoint, now)
        except ApiError as err:
            status, payload = err.status, err.body
        if endpoint is not None:
            window = self.limits[endpoint]
            headers.update(window.headers(self.clock.now()))
        query = "&".join(f"{k}={v}" for k, v in params.items())
        self.log.append(
            RequestRecord(
                t=now,
                method=request.method,
                path=request.path + (f"?{query}" if query else ""),
                json=body,
                status=status,
                response=payload,
                headers=headers,
            )
        )
        # Content-Type exactly application/json, as X sends it.
        return web.Response(
            body=json.dumps(payload).encode(), status=status, headers={**headers, "Content-Type": "application/json"}
        )

    async def _route(
        self, request: web.Request, params: dict[str, str], body: Any, endpoint: str | None, now: datetime
    ) -> tuple[int, JSON]:
        fault = self.faults.take(request.path)
        if fault is not None:
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
                now = self.clock.now()
            elif fault.kind == "429":
                raise problem(429, "Too Many Requests")
            elif fault.kind == "500":
                raise problem(500, "Internal Server Error")
            else:
                raise problem(503, "Service Unavailable")
        route = (request.method, request.path)
        known = {("GET", SEARCH_PATH), ("POST", CREATE_PATH), ("GET", ME_PATH)}
        if route not in known:
            raise problem(404, "Not Found Error", f"Sorry, that page does not exist: {request.path}")
        who = self._who(request)
        if who is None:
            raise problem(401, "Unauthorized")
        if endpoint is not None and not self.limits[endpoint].take(now):
            raise problem(429, "Too Many Requests")
        if route == ("GET", SEARCH_PATH):
            return 200, search_recent(self.store, params, now, self.recent_window)
        if who == "app":
            raise problem(
                403,
                "Unsupported Authentication",
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
                "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
                "https://api.twitter.com/2/problems/unsupported-authentication",
            )
        me = self.store.users[who]
        if route == ("GET", ME_PATH):
            return 200, {"data": me.to_api(set())}
        text, reply_to, quoted = create_post_checks(self.store, body, me, restrict_replies=self.restrict_replies)
        post = self._insert(
            text,
            me,
            now,
            reply_to=reply_to.id if reply_to else None,
            quote_of=quoted.id if quoted else None,
            by_api=True,
        )
        if reply_to is not None:
            self.replies.append(post)
        return 201, {"data": {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}}
