"""SandboxMastodon: a local Mastodon instance (aiohttp) that the real Mastodon.py client talks to.

Endpoints: ``GET /api/v1/timelines/tag/:hashtag`` (``max_id``/``since_id``/``min_id``/``limit``/``local``/
``remote``, ``Link`` headers), ``POST /api/v1/statuses``, ``GET /api/v1/statuses/:id``,
``GET /api/v1/accounts/verify_credentials``, ``GET /api/v1/instance``, ``GET /api/v2/instance`` (Mastodon.py
reads its ``timelines_access`` before a timeline). The bot's bearer token; a wrong token is 401 anywhere.
``X-RateLimit-*`` headers (reset as ISO 8601), 429s, injectable faults (503/500/429/slow, as the local X's),
and a request log stamped with the sandbox clock.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from aiohttp import web

from bot.clock import Clock, SandboxClock
from bot.sandbox.bluesky.limits import RateWindow
from bot.sandbox.mastodon.api import (
    ApiError,
    MastoStore,
    create_status,
    instance_v1,
    instance_v2,
    link_header,
    tag_timeline,
)
from bot.sandbox.mastodon.model import MastoAccount, MastoStatus
from bot.sandbox.x.limits import Faults
from bot.sandbox.x.server import RequestRecord

TAG_PREFIX = "/api/v1/timelines/tag/"


class SandboxMastodon:
    """The local Mastodon. ``await start()``, point Mastodon.py at :attr:`base_url`, add posts, read :attr:`log`."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        domain: str = "mastodon.sandbox",
        bot_username: str = "mentorbot",
        access_token: str = "sandbox-mastodon-token",
        read_limit: int = 300,
        write_limit: int = 300,
        hashtag_feeds: str = "public",
        tag_timeline_boosts: bool = False,
    ) -> None:
        """``hashtag_feeds``: ``public`` or ``authenticated`` (then a timeline without a token is 422).
        ``tag_timeline_boosts``: let boosts of tagged statuses into the tag timeline (Mastodon itself does
        not; some other servers do)."""
        self.clock: Clock = clock or SandboxClock()
        self.domain = domain
        self.store = MastoStore(domain)
        self.bot_account = self.store.add_account(bot_username, "Mentor Bot", self.clock.now(), bot=True)
        self.tokens: dict[str, MastoAccount] = {access_token: self.bot_account}
        self.access_token = access_token
        self.hashtag_feeds = hashtag_feeds
        self.tag_timeline_boosts = tag_timeline_boosts
        self.limits: dict[str, RateWindow] = {
            "read": RateWindow(read_limit, timedelta(minutes=5)),
            "write": RateWindow(write_limit, timedelta(hours=3)),
        }
        self.faults = Faults()
        self.log: list[RequestRecord] = []
        self.replies: list[MastoStatus] = []
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._sessions: list[Any] = []

    # lifecycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = cast(Any, site)._server.sockets[0].getsockname()[1]
        self._base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxMastodon:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("SandboxMastodon is not started")
        return self._base_url

    @property
    def bot_acct(self) -> str:
        """``mentorbot@mastodon.sandbox``."""
        return f"{self.bot_account.username}@{self.domain}"

    # scenario --------------------------------------------------------------------------------------------
    def add_account(self, acct: str, name: str | None = None) -> MastoAccount:
        """A local (``alice``) or remote (``bob@other.social``) account."""
        return self.store.add_account(acct, name, self.clock.now())

    def add_post(
        self,
        text: str,
        author: str,
        author_name: str | None = None,
        created_at: datetime | None = None,
        reply_to: str | None = None,
        boost_of: str | None = None,
        quote_of: str | None = None,
        visibility: str = "public",
    ) -> str:
        """Add a status and return its post id as the source reports it (``"<id>@<domain>"``). A boost's
        text is ignored. A status dated in the future appears when the clock reaches it."""
        account = self.add_account(author, author_name)
        when = created_at or self.clock.now()
        if when.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        status = self.store.insert(
            {
                "account": account,
                "text": "" if boost_of else text,
                "created_at": when,
                "visibility": visibility,
                "in_reply_to": self._existing(reply_to) if reply_to else None,
                "reblog_of": self._existing(boost_of) if boost_of else None,
                "quote_of": self._existing(quote_of) if quote_of else None,
                "mentions": self.store.mentioned(text),
            }
        )
        return f"{status.id}@{self.domain}"

    def _existing(self, ref: str) -> MastoStatus:
        status = self.store.get(ref)
        if status is None:
            raise KeyError(f"no status {ref}")
        return status

    def status(self, ref: str) -> MastoStatus:
        return self._existing(ref)

    @property
    def statuses(self) -> list[MastoStatus]:
        return [self.store.statuses[i] for i in self.store.ids]

    def revoke_token(self) -> None:
        """The bot's token stops working (401 on every request that sends it)."""
        self.tokens.clear()

    def set_rate_limit(self, n_per_window: int, group: str = "read") -> None:
        """Requests allowed per window for ``read`` (5 minutes) or ``write`` (3 hours); a fresh window."""
        self.limits[group] = RateWindow(n_per_window, self.limits[group].length)

    def export_log(self) -> list[dict[str, Any]]:
        """The request log as ``{"t", "method", "path", "json", "status", "response"}`` dicts."""
        return [r.to_dict() for r in self.log]

    def make_client(self, *, token: str | None | bool = True, **kwargs: Any) -> Any:
        """A ``mastodon.Mastodon`` pointed at this server (``ratelimit_method="throw"``) with the bot's token
        (``token=False``: none; a string: that token). Its requests session is closed by :meth:`stop`."""
        import requests
        from mastodon import Mastodon

        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy from the environment
        self._sessions.append(session)
        access = self.access_token if token is True else (token or None)
        options: dict[str, Any] = {"ratelimit_method": "throw", "request_timeout": 10, "version_check_mode": "none"}
        return Mastodon(api_base_url=self.base_url, access_token=access, session=session, **{**options, **kwargs})

    # HTTP ------------------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        body: Any = None
        if request.can_read_body:
            if request.content_type == "application/json":
                raw = await request.read()
                body = json.loads(raw) if raw else None
            else:
                body = dict(await request.post())
        group = "write" if request.method == "POST" else "read"
        extra: dict[str, str] = {}
        try:
            status, payload = await self._route(request, body, group, now, extra)
        except ApiError as err:
            status, payload = err.status, err.body
        window = self.limits[group]
        later = self.clock.now()
        reset = window.reset_at(later).astimezone(UTC)
        headers = {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining(later)),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            **extra,
        }
        query = "&".join(f"{k}={v}" for k, v in request.query.items())
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
        return web.Response(
            body=json.dumps(payload).encode(),
            status=status,
            headers={**headers, "Content-Type": "application/json; charset=utf-8"},
        )

    async def _route(
        self, request: web.Request, body: Any, group: str, now: datetime, extra: dict[str, str]
    ) -> tuple[int, Any]:
        fault = self.faults.take(request.path)
        if fault is not None:
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
                now = self.clock.now()
            elif fault.kind == "429":
                raise ApiError(429, "Too many requests")
            elif fault.kind == "500":
                raise ApiError(500, "We're sorry, but something went wrong on our end.")
            else:
                raise ApiError(503, "Service Unavailable")
        if not self.limits[group].take(now):
            raise ApiError(429, "Too many requests")
        header = request.headers.get("Authorization", "")
        me: MastoAccount | None = None
        if header:
            me = self.tokens.get(header.removeprefix("Bearer ").strip())
            if me is None:
                raise ApiError(401, "The access token is invalid")
        path, method = request.path.rstrip("/") or "/", request.method
        if method == "GET" and path == "/api/v2/instance":
            return 200, instance_v2(self.domain, self.base_url, self.hashtag_feeds)
        if method == "GET" and path == "/api/v1/instance":
            return 200, instance_v1(self.domain, self.base_url)
        if method == "GET" and path.startswith(TAG_PREFIX):
            if me is None and self.hashtag_feeds != "public":
                raise ApiError(422, "This method requires an authenticated user")
            page = tag_timeline(
                self.store, path[len(TAG_PREFIX) :], dict(request.query), now, boosts=self.tag_timeline_boosts
            )
            link = link_header(self.base_url, path, page)
            if link:
                extra["Link"] = link
            return 200, [s.to_api() for s in page]
        if method == "GET" and path.startswith("/api/v1/statuses/"):
            found = self.store.get(path.rsplit("/", 1)[1])
            if found is None or found.created_at > now or found.visibility == "direct":
                raise ApiError(404, "Record not found")
            return 200, found.to_api()
        if me is None:
            raise ApiError(401, "The access token is invalid")
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            count = sum(1 for s in self.store.statuses.values() if s.account is me)
            return 200, {**me.to_api(count), "source": {"privacy": "public", "sensitive": False, "note": "", "fields": []}}
        if method == "POST" and path == "/api/v1/statuses":
            created = create_status(self.store, body if isinstance(body, dict) else {}, me, now)
            if created.in_reply_to is not None:
                self.replies.append(created)
            return 200, created.to_api()
        raise ApiError(404, "Record not found")


__all__ = ["SandboxMastodon"]
