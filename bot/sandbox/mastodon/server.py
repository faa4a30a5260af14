"""SandboxMastodon: a local Mastodon instance (aiohttp) that the real Mastodon.py client talks to.

Endpoints: ``GET /api/v1/timelines/tag/:hashtag`` (``max_id``/``since_id``/``min_id``/``limit``/``local``/
``remote``, ``Link`` headers), ``POST /api/v1/statuses``, ``GET`` and ``DELETE /api/v1/statuses/:id``,
``GET /api/v1/accounts/verify_credentials``, ``GET /api/v1/instance``, ``GET /api/v2/instance`` (Mastodon.py
reads its ``timelines_access`` before a timeline). The bot's bearer token; a wrong token is 401 anywhere.
``X-RateLimit-*`` headers (reset as ISO 8601), 429s, injectable faults (503/500/429/slow, as the local X's),
and a request log stamped with the sandbox clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.sandbox.common import FaultKind, LocalApi, RateWindow
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

TAG_PREFIX = "/api/v1/timelines/tag/"
_FAULTS = {
    "429": (429, "Too many requests"),
    "500": (500, "We're sorry, but something went wrong on our end."),
    "503": (503, "Service Unavailable"),
}


class SandboxMastodon(LocalApi):
    """The local Mastodon. ``await start()``, point Mastodon.py at :attr:`base_url`, add posts, read :attr:`log`."""

    api_error = ApiError

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
        super().__init__(clock)
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
        self.replies: list[MastoStatus] = []
        self.deleted: list[MastoStatus] = []  # statuses deleted through DELETE /api/v1/statuses/:id
        self._sessions: list[Any] = []

    # lifecycle -------------------------------------------------------------------------------------------
    async def _close_clients(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()

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
        when = self._post_time(created_at)
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
    async def _read_body(self, request: web.Request) -> Any:
        """A JSON body, or the form fields of a form post (as Mastodon.py sends statuses)."""
        if not request.can_read_body:
            return None
        if request.content_type == "application/json":
            raw = await request.read()
            return json.loads(raw) if raw else None
        return dict(await request.post())

    def _group(self, request: web.Request) -> str | None:
        return "write" if request.method in ("POST", "DELETE") else "read"

    def _rate_headers(self, group: str | None, now: datetime) -> dict[str, str]:
        window = self.limits[str(group)]
        reset = window.reset_at(now).astimezone(UTC)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining(now)),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    def _fault_error(self, kind: FaultKind) -> Exception:
        return ApiError(*_FAULTS[kind])

    async def _route(
        self, request: web.Request, body: Any, group: str | None, now: datetime, extra: dict[str, str]
    ) -> tuple[int, Any]:
        now = await self._take_fault(request.path, now)
        if not self.limits[str(group)].take(now):
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
        if method == "DELETE" and path.startswith("/api/v1/statuses/"):
            # Mastodon looks the status up among the account's own: another's is "Record not found" too
            found = self.store.get(path.rsplit("/", 1)[1])
            if found is None or found.account is not me:
                raise ApiError(404, "Record not found")
            self.store.remove(found)
            self.deleted.append(found)
            return 200, {**found.to_api(), "text": found.text}  # the deleted status, with its source text
        if method == "POST" and path == "/api/v1/statuses":
            created = create_status(self.store, body if isinstance(body, dict) else {}, me, now)
            if created.in_reply_to is not None:
                self.replies.append(created)
            return 200, created.to_api()
        raise ApiError(404, "Record not found")


__all__ = ["SandboxMastodon"]
