"""SandboxBluesky: a local Bluesky PDS + AppView (aiohttp) that the real atproto ``AsyncClient`` talks to.

XRPC methods: ``com.atproto.server.createSession`` / ``refreshSession`` / ``getSession``,
``app.bsky.actor.getProfile``, ``app.bsky.feed.searchPosts``, ``app.bsky.feed.getPosts``,
``com.atproto.repo.createRecord`` (posts), ``com.atproto.repo.deleteRecord``. Auth is the bot account's app
password → JWT sessions; unknown or revoked tokens get 401. ``ratelimit-*`` headers on every answer, 429s with
the reset time, injectable faults (503/500/429/slow, as the local X's), and a request log stamped with the
sandbox clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.sandbox.bluesky.api import (
    BskyStore,
    XrpcError,
    create_record,
    delete_record,
    get_posts,
    new_record,
    profile,
    search_posts,
    write_result,
)
from bot.sandbox.bluesky.model import REPOST, BskyAccount, BskyPost, at_time, facets_for, tid_for
from bot.sandbox.common import FaultKind, LocalApi, RateWindow

SEARCH = "app.bsky.feed.searchPosts"
_GROUPS = {
    SEARCH: "search",
    "com.atproto.repo.createRecord": "write",
    "com.atproto.repo.deleteRecord": "write",
    "com.atproto.server.createSession": "session",
}
_FAULTS = {
    "429": (429, "RateLimitExceeded", "Rate Limit Exceeded"),
    "500": (500, "InternalServerError", "Internal Server Error"),
    "503": (503, "UpstreamFailure", "Service Unavailable"),
}


class SandboxBluesky(LocalApi):
    """The local Bluesky. ``await start()``, point the SDK at :attr:`base_url`, add posts, inspect :attr:`log`."""

    api_error = XrpcError

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        bot_handle: str = "mentorbot.bsky.social",
        bot_name: str = "Mentor Bot",
        app_password: str = "sand-box0-app0-pass",
        search_limit: int = 3000,
        read_limit: int = 3000,
        write_limit: int = 1500,
        session_limit: int = 30,
        window: timedelta = timedelta(minutes=5),
    ) -> None:
        super().__init__(clock)
        self.store = BskyStore()
        self.bot_account = self.store.add_account(bot_handle, bot_name, app_password=app_password, now=self.clock.now())
        self.window = window
        self.limits: dict[str, RateWindow] = {
            "search": RateWindow(search_limit, window),
            "read": RateWindow(read_limit, window),
            "write": RateWindow(write_limit, window),
            "session": RateWindow(session_limit, window),
        }
        self.replies: list[BskyPost] = []
        self.deleted: list[BskyPost] = []  # posts deleted through com.atproto.repo.deleteRecord
        self._clients: list[Any] = []

    # lifecycle -------------------------------------------------------------------------------------------
    async def _close_clients(self) -> None:
        for client in self._clients:
            await client.request.close()
        self._clients.clear()

    @property
    def bot_did(self) -> str:
        return self.bot_account.did

    # scenario --------------------------------------------------------------------------------------------
    def add_account(self, handle: str, name: str | None = None) -> BskyAccount:
        """Add (or return) an account; a bare ``alice`` becomes ``alice.bsky.social``."""
        return self.store.add_account(handle, name, app_password=None, now=self.clock.now())

    def add_post(
        self,
        text: str,
        author_handle: str,
        author_name: str | None = None,
        created_at: datetime | None = None,
        reply_to: str | None = None,
        quote_of: str | None = None,
        replies_disabled: bool = False,
        indexed_at: datetime | None = None,
    ) -> str:
        """Add a post and return its id (``"<did>/<rkey>"``, as the source reports it). ``reply_to`` /
        ``quote_of``: a post id or at-uri. ``indexed_at`` (default: ``created_at``, or now) is when the
        AppView saw it; a post indexed in the future appears when the clock gets there.
        ``replies_disabled``: a threadgate that lets nobody reply."""
        author = self.add_account(author_handle, author_name)
        when = self._post_time(created_at)
        reply = None
        if reply_to is not None:
            parent = self._existing(reply_to)
            root = self.store.get(parent.reply_root or parent.uri) or parent
            reply = {"root": {"uri": root.uri, "cid": root.cid}, "parent": {"uri": parent.uri, "cid": parent.cid}}
        embed = None
        if quote_of is not None:
            quoted = self._existing(quote_of)
            quoted.quotes += 1
            embed = {"$type": "app.bsky.embed.record", "record": {"uri": quoted.uri, "cid": quoted.cid}}
        record = new_record(text, when, reply=reply, embed=embed, facets=facets_for(text, self.store.by_handle))
        post = self.store.insert(author, record, indexed_at or when, replies_disabled=replies_disabled)
        return f"{post.author.did}/{post.rkey}"

    def add_repost(self, post_ref: str, by_handle: str) -> str:
        """``by_handle`` reposts a post: an ``app.bsky.feed.repost`` record (search never returns it)."""
        original = self._existing(post_ref)
        by = self.add_account(by_handle)
        self.store.seq += 1
        uri = f"at://{by.did}/{REPOST}/{tid_for(self.clock.now(), self.store.seq)}"
        original.reposts += 1
        self.store.reposts.append({"uri": uri, "subject": {"uri": original.uri, "cid": original.cid}})
        return uri

    def _existing(self, ref: str) -> BskyPost:
        post = self.store.get(ref)
        if post is None:
            raise KeyError(f"no post {ref}")
        return post

    def post(self, ref: str) -> BskyPost:
        return self._existing(ref)

    @property
    def posts(self) -> list[BskyPost]:
        return sorted(self.store.posts.values(), key=lambda p: (p.sort_at, p.uri))

    def revoke_sessions(self) -> None:
        """Every issued token stops working (401), as when the app password is revoked."""
        self.store.access.clear()
        self.store.refresh.clear()

    def set_app_password(self, password: str) -> None:
        self.bot_account.app_password = password

    def set_rate_limit(self, n_per_window: int, group: str = "search") -> None:
        """Requests allowed per window for ``search``, ``read``, ``write`` or ``session``; a fresh window."""
        self.limits[group] = RateWindow(n_per_window, self.window)

    def make_client(self, **request_kwargs: Any) -> Any:
        """An ``atproto.AsyncClient`` pointed at this server and already holding a session for the bot's
        account (issued here, as a login would; use :meth:`login_client` for the real login exchange).
        Its HTTP client is closed by :meth:`stop`."""
        from atproto_client import AsyncClient
        from atproto_client.client.session import Session
        from atproto_client.request import AsyncRequest

        client = AsyncClient(self.base_url, request=AsyncRequest(trust_env=False, **request_kwargs))
        issued = self.store.new_session(self.bot_account)
        session = Session(
            handle=issued["handle"], did=issued["did"], access_jwt=issued["accessJwt"], refresh_jwt=issued["refreshJwt"],
            pds_endpoint=self.base_url,
        )
        client._set_session_common(session, client._base_url)
        self._clients.append(client)
        return client

    async def login_client(self, password: str | None = None, **request_kwargs: Any) -> Any:
        """An ``atproto.AsyncClient`` logged in with the bot's app password (or ``password``: a stale or wrong
        one) through ``createSession``."""
        from atproto_client import AsyncClient
        from atproto_client.request import AsyncRequest

        client = AsyncClient(self.base_url, request=AsyncRequest(trust_env=False, **request_kwargs))
        self._clients.append(client)
        await client.login(self.bot_account.handle, password or str(self.bot_account.app_password))
        return client

    # HTTP ------------------------------------------------------------------------------------------------
    def _group(self, request: web.Request) -> str | None:
        nsid = request.path.removeprefix("/xrpc/")
        return _GROUPS.get(nsid, "read" if request.method == "GET" else "write")

    def _rate_headers(self, group: str | None, now: datetime) -> dict[str, str]:
        window = self.limits[str(group)]
        return {
            "ratelimit-limit": str(window.limit),
            "ratelimit-remaining": str(window.remaining(now)),
            "ratelimit-reset": str(int(window.reset_at(now).timestamp())),
            "ratelimit-policy": f"{window.limit};w={int(self.window.total_seconds())}",
        }

    def _fault_error(self, kind: FaultKind) -> Exception:
        return XrpcError(*_FAULTS[kind])

    async def _route(
        self, request: web.Request, body: Any, group: str | None, now: datetime, extra: dict[str, str]
    ) -> tuple[int, Any]:
        nsid = request.path.removeprefix("/xrpc/")
        now = await self._take_fault(request.path, now)
        if not request.path.startswith("/xrpc/"):
            raise XrpcError(404, "NotFound", "Not Found")
        if not self.limits[str(group)].take(now):
            raise XrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded")
        auth = request.headers.get("Authorization", "")
        params = dict(request.query)
        if nsid == "com.atproto.server.createSession" and request.method == "POST":
            return 200, self.store.create_session(body)
        if nsid == "com.atproto.server.refreshSession" and request.method == "POST":
            did = self.store.who(auth, refresh=True)
            self.store.refresh.pop(auth[7:].strip(), None)
            return 200, self.store.new_session(self.store.accounts[did])
        did = self.store.who(auth)
        if nsid == "com.atproto.server.getSession":
            account = self.store.accounts[did]
            return 200, {"handle": account.handle, "did": did, "active": True}
        if nsid == "app.bsky.actor.getProfile":
            return 200, profile(self.store, params.get("actor", ""))
        if nsid == SEARCH:
            return 200, search_posts(self.store, params, now, did)
        if nsid == "app.bsky.feed.getPosts":
            return 200, get_posts(self.store, request.query.getall("uris", []), now, did)
        if nsid == "com.atproto.repo.deleteRecord" and request.method == "POST":
            gone = delete_record(self.store, body, did)
            if gone is None:
                return 200, {}
            self.deleted.append(gone)
            return 200, {"commit": {"cid": gone.cid, "rev": f"{gone.rkey}d"}}
        if nsid == "com.atproto.repo.createRecord" and request.method == "POST":
            post = create_record(self.store, body, did, now)
            if post.reply_parent is not None:
                self.replies.append(post)
            return 200, write_result(post)
        raise XrpcError(501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")


__all__ = ["SandboxBluesky", "at_time"]
