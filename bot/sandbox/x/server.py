"""SandboxX: a local X API v2 (aiohttp) that the real tweepy AsyncClient talks to.

Endpoints: ``GET /2/tweets/search/recent``, ``POST /2/tweets``, ``DELETE /2/tweets/:id``, ``GET /2/users/me``. Auth: the app bearer
token (search only: user-context endpoints answer 403 "Unsupported Authentication", as X does), or the bot
account's user credentials (OAuth 1.0a, its HMAC-SHA1 signature verified as X does — see
:mod:`bot.sandbox.x.oauth` — or an OAuth 2.0 user bearer token); anything else is 401. Rate-limit headers on every search/create response, X's error bodies,
injectable faults, and a log of every request stamped with the sandbox clock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.clock import Clock
from bot.sandbox.common import FaultKind, LocalApi, RequestRecord
from bot.sandbox.x.api import ApiError, create_post_checks, problem, search_recent
from bot.sandbox.x.connect import connect_async_client
from bot.sandbox.x.limits import Window
from bot.sandbox.x.model import JSON, SandboxPost, SandboxUser
from bot.sandbox.x.oauth import verify
from bot.sandbox.x.store import XStore

SEARCH_PATH = "/2/tweets/search/recent"
CREATE_PATH = "/2/tweets"
ME_PATH = "/2/users/me"
DELETE_PATH = re.compile(r"/2/tweets/\d{1,19}")
_FAULTS = {
    "429": (429, "Too Many Requests"),
    "500": (500, "Internal Server Error"),
    "503": (503, "Service Unavailable"),
}
__all__ = ["CREATE_PATH", "ME_PATH", "SEARCH_PATH", "RequestRecord", "SandboxX"]


class SandboxX(LocalApi):
    """The local X. ``await start()``, point tweepy at :attr:`base_url`, add posts, inspect :attr:`log`."""

    content_type = "application/json"  # exactly, as X sends it
    api_error = ApiError

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
        delete_limit: int = 50,
        restrict_replies: bool = True,
        recent_window: timedelta = timedelta(days=7),
    ) -> None:
        super().__init__(clock)
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
        self.limits: dict[str, Window] = {"search": Window(search_limit), "create": Window(create_limit),
                                          "delete": Window(delete_limit)}  # X: 50 deletes per 15 min per user
        self.replies: list[SandboxPost] = []
        self.deleted: list[SandboxPost] = []  # posts deleted through DELETE /2/tweets/:id
        self.oauth_failures: list[str] = []  # why each refused OAuth 1.0a request was refused
        self._nonces: set[tuple[str, str]] = set()
        self._sessions: list[aiohttp.ClientSession] = []
        self.handler_seconds = 0.0  # time spent answering requests (for benchmarks)

    # lifecycle -------------------------------------------------------------------------------------------
    async def _close_clients(self) -> None:
        for session in self._sessions:
            await session.close()
        self._sessions.clear()

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
        when = self._post_time(created_at)
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

    def make_client(self, *, bearer_only: bool = False, user_only: bool = False, **kwargs: Any) -> Any:
        """A ``tweepy.asynchronous.AsyncClient`` with the bot's credentials, pointed at this server (the
        session is closed by :meth:`stop`). ``bearer_only``: only the app's bearer token (``X_BEARER_TOKEN``
        alone: search, no user context); ``user_only``: only the four OAuth 1.0a keys; ``kwargs`` override
        single credentials (``bearer_token="revoked"``)."""
        from tweepy.asynchronous import AsyncClient

        given = dict(self.credentials)
        if bearer_only:
            given = {"bearer_token": given["bearer_token"]}
        elif user_only:
            given.pop("bearer_token")
        client = AsyncClient(**{**given, **kwargs})
        connect_async_client(client, self.base_url)
        self._sessions.append(client.session)
        return client

    # HTTP ------------------------------------------------------------------------------------------------
    def _who(self, request: web.Request, body: Any) -> str | None:
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
            form = request.content_type == "application/x-www-form-urlencoded"
            check = verify(method=request.method, path=request.path, raw_query=request.rel_url.raw_query_string,
                           form_body=body if form and isinstance(body, str) else None, header=header,
                           credentials=self.credentials, seen_nonces=self._nonces, now=time.time())
            if check.ok:
                return self.bot_account.id
            self.oauth_failures.append(check.reason)
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            return await super()._handle(request)
        finally:
            self.handler_seconds += time.perf_counter() - started

    def _group(self, request: web.Request) -> str | None:
        if request.method == "DELETE" and DELETE_PATH.fullmatch(request.path):
            return "delete"
        return {SEARCH_PATH: "search", CREATE_PATH: "create"}.get(request.path)

    def _rate_headers(self, group: str | None, now: datetime) -> dict[str, str]:
        return {} if group is None else self.limits[group].headers(now)

    def _fault_error(self, kind: FaultKind) -> Exception:
        return problem(*_FAULTS[kind])

    def _logged_query(self, request: web.Request) -> Iterable[tuple[str, str]]:
        return dict(request.query).items()

    async def _route(
        self, request: web.Request, body: Any, endpoint: str | None, now: datetime, extra: dict[str, str]
    ) -> tuple[int, JSON]:
        params = dict(request.query)
        now = await self._take_fault(request.path, now)
        route = (request.method, request.path)
        known = {("GET", SEARCH_PATH), ("POST", CREATE_PATH), ("GET", ME_PATH)}
        deleting = request.method == "DELETE" and DELETE_PATH.fullmatch(request.path) is not None
        if route not in known and not deleting:
            raise problem(404, "Not Found Error", f"Sorry, that page does not exist: {request.path}")
        who = self._who(request, body)
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
        if deleting:  # X's answer is {"data": {"deleted": bool}}; only the author may delete a post
            found = self.store.get(request.path.rsplit("/", 1)[1])
            if found is None:
                return 200, {"data": {"deleted": False}}
            if found.author.id != me.id:
                raise problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
            self.store.remove(found.id)
            self.deleted.append(found)
            return 200, {"data": {"deleted": True}}
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
