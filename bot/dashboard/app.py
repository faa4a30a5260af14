"""The organisers' dashboard: an aiohttp web application served by the bot process (same event loop, same
services). No discord import: Discord is reached through :class:`bot.dashboard.ports.DiscordSide`.

Every route is in :data:`ROUTES` with who may call it: ``public`` (sign-in), ``signed_in`` or ``organiser``
(a programme's organiser role or Manage Server in its guild, asked of Discord again on *every* request).
Every POST carries the session's CSRF token. Pages are Jinja2 templates, readable without JavaScript.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.config import DashboardConfig
from bot.dashboard.cookies import SESSION_COOKIE, STATE_COOKIE, STATE_TTL, Session, Signer
from bot.dashboard.oauth import OAuthClient, SignInFailed
from bot.dashboard.ports import DiscordSide, DiscordUnavailable
from bot.services import Services
from bot.services.programmes import Programme

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NOT_ORGANISER = "You are not an organiser of this programme. Ask its organisers for their role in its Discord server."
FORM_EXPIRED = "This form has expired or did not come from the dashboard. Reload the page and try again."


#: what the guard found, for the handlers: the signed-in person (None: nobody) and the programme of the route
SESSION: web.RequestKey[Session | None] = web.RequestKey("session")
PROGRAMME: web.RequestKey[Programme] = web.RequestKey("programme", Programme)


class Access(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    ORGANISER = "organiser"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: str  # the name of a function in bot.dashboard.pages or bot.dashboard.actions
    access: Access


@dataclass
class DashboardDeps:
    services: Services
    config: DashboardConfig
    discord: DiscordSide
    oauth: OAuthClient
    session_secret: str
    #: session cookies expire on the real clock (the bot's own clock may be the sandbox's)
    wall_clock: Clock = field(default_factory=SystemClock)


class Dashboard:
    """The application and its server. ``await start()`` → :attr:`url`; ``await stop()``."""

    def __init__(self, deps: DashboardDeps) -> None:
        self.deps = deps
        self.services = deps.services
        self.signer = Signer(deps.session_secret)
        self.secure = deps.config.public_url.startswith("https://")
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.app = web.Application(middlewares=[_security_headers])
        self.routes: list[tuple[Route, web.AbstractRoute]] = []
        from bot.dashboard import actions, pages

        for route in ROUTES:
            handler = getattr(pages, route.handler, None) or getattr(actions, route.handler)
            added = self.app.router.add_route(route.method, route.path, self._guarded(route, handler))
            self.routes.append((route, added))
        self.app.router.add_static("/static", HERE / "static", name="static")
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ----------------------------------------------------------------------------------------
    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.deps.config.host, self.deps.config.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.deps.config.port
        log.info("dashboard listening on %s (public address %s)", self.local_url, self.deps.config.public_url)
        return self.local_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def local_url(self) -> str:
        host = self.deps.config.host
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{self.port}"

    # ---- the guard around every handler -------------------------------------------------------------------
    def session_of(self, request: web.Request) -> Session | None:
        return Session.load(self.signer.unsign("session", request.cookies.get(SESSION_COOKIE)),
                            self.deps.wall_clock.now())

    def _guarded(self, route: Route, handler: Callable[[Dashboard, web.Request], Awaitable[web.StreamResponse]],
                 ) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = self.session_of(request)
            request[SESSION] = session
            if route.access is Access.PUBLIC:
                return await handler(self, request)
            if session is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/?=&"))
                return self.refuse(request, 401, "Sign in first.")
            if request.method == "POST":
                form = await request.post()
                if not session.csrf_ok(str(form.get("csrf", "")) or request.headers.get("X-CSRF-Token")):
                    log.warning("dashboard: refused a POST to %s without a valid CSRF token (user %s)",
                                request.path, session.user_id)
                    return self.refuse(request, 403, FORM_EXPIRED)
            if route.access is Access.ORGANISER:
                programme = self.services.programmes.get(request.match_info.get("key", ""))
                if programme is None or not await self.organises(session.user_id, programme):
                    return self.refuse(request, 403, NOT_ORGANISER)
                request[PROGRAMME] = programme
            return await handler(self, request)

        return guarded

    async def organises(self, user_id: int, programme: Programme) -> bool:
        try:
            return await self.deps.discord.is_organiser(user_id, programme)
        except DiscordUnavailable:
            log.warning("dashboard: Discord could not say whether %s organises %s", user_id, programme.key)
            raise web.HTTPServiceUnavailable(text="Discord did not answer; try again in a minute.") from None

    async def programmes_of(self, user_id: int) -> list[Programme]:
        return [p for p in self.services.programmes.all() if await self.organises(user_id, p)]

    # ---- answers ------------------------------------------------------------------------------------------
    def render(self, request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
        session = request.get(SESSION)
        flash = session.flash if session else ""
        body = self.templates.get_template(template).render(
            session=session, programme=request.get(PROGRAMME), flash=flash, path=request.path,
            query=request.query, **context)
        response = web.Response(text=body, content_type="text/html", status=status)
        if session and flash:
            self.set_session(response, Session(session.user_id, session.name, session.csrf, session.expires))
        return response

    def refuse(self, request: web.Request, status: int, message: str) -> web.Response:
        return self.render(request, "refused.html", status=status, message=message)

    def done(self, request: web.Request, where: str, message: str) -> web.Response:
        """After an action: back to a page of the dashboard, with a one-line note of what happened."""
        session = request[SESSION]
        assert session is not None
        response = redirect(_local_path(where))
        self.set_session(response, Session(session.user_id, session.name, session.csrf, session.expires,
                                           message[:300]))
        return response

    def set_session(self, response: web.StreamResponse, session: Session) -> None:
        response.set_cookie(SESSION_COOKIE, self.signer.sign("session", session.dump()), httponly=True,
                            samesite="Lax", secure=self.secure, path="/",
                            max_age=int((session.expires - self.deps.wall_clock.now()).total_seconds()))

    # ---- sign-in ------------------------------------------------------------------------------------------
    def sign_in_redirect(self, next_path: str) -> web.StreamResponse:
        state = secrets.token_urlsafe(24)
        response = redirect(self.deps.oauth.authorize_url(state))
        cookie = self.signer.sign("state", {"s": state, "next": _local_path(next_path),
                                            "e": int((self.deps.wall_clock.now() + STATE_TTL).timestamp())})
        response.set_cookie(STATE_COOKIE, cookie, httponly=True, samesite="Lax", secure=self.secure, path="/",
                            max_age=int(STATE_TTL.total_seconds()))
        return response

    async def finish_sign_in(self, request: web.Request) -> web.StreamResponse:
        saved = self.signer.unsign("state", request.cookies.get(STATE_COOKIE)) or {}
        now = self.deps.wall_clock.now()
        if not saved or saved.get("s") != request.query.get("state") or int(saved.get("e", 0)) < now.timestamp():
            return self.render(request, "login.html", status=400, next="/",
                               problem="That sign-in link has expired or was not started here. Please sign in again.")
        if "code" not in request.query:
            return self.render(request, "login.html", status=400, next=saved.get("next", "/"),
                               problem="Discord did not sign you in (you may have pressed Cancel).")
        try:
            who = await self.deps.oauth.identify(request.query["code"])
        except SignInFailed as exc:
            log.warning("dashboard sign-in failed: %s", exc)
            return self.render(request, "login.html", status=502, next=saved.get("next", "/"),
                               problem=f"{exc}. Please try again.")
        session = Session.new(who.user_id, who.name, now, self.deps.config.session_hours)
        response = redirect(_local_path(str(saved.get("next", "/"))))
        self.set_session(response, session)
        response.del_cookie(STATE_COOKIE, path="/")
        log.info("dashboard: %s signed in", who.user_id)
        return response


def user_of(request: web.Request) -> int:
    """The Discord id of the signed-in person (the guard let only signed-in people through)."""
    session = request[SESSION]
    assert session is not None
    return session.user_id


def redirect(where: str) -> web.Response:
    """303 See Other: after a form, the browser loads ``where`` with a GET."""
    return web.Response(status=303, headers={"Location": where})


def _local_path(path: str) -> str:
    """Only a path of this site (no scheme, no host, no ``//``): never an open redirect."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//") \
            or "\\" in path or any(ord(c) < 32 for c in path):  # browsers read "/\\host" as "//host"
        return "/"
    return path


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    started, cpu = time.perf_counter(), time.process_time()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers["Server-Timing"] = (f"app;dur={(time.perf_counter() - started) * 1000:.1f}, "
                                         f"cpu;dur={(time.process_time() - cpu) * 1000:.1f}")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


P = "/p/{key}"
ROUTES: tuple[Route, ...] = (
    Route("GET", "/login", "login", Access.PUBLIC),
    Route("GET", "/auth/discord", "sign_in", Access.PUBLIC),
    Route("GET", "/auth/callback", "callback", Access.PUBLIC),
    Route("POST", "/logout", "logout", Access.SIGNED_IN),
    Route("GET", "/", "home", Access.SIGNED_IN),
    Route("GET", P, "overview", Access.ORGANISER),
    Route("GET", P + "/stats.png", "stats_chart", Access.ORGANISER),
    Route("GET", P + "/people", "people", Access.ORGANISER),
    Route("GET", P + "/people/{person_id:\\d+}", "person", Access.ORGANISER),
    Route("POST", P + "/people/{person_id:\\d+}/pause", "pause", Access.ORGANISER),
    Route("POST", P + "/people/{person_id:\\d+}/resume", "resume", Access.ORGANISER),
    Route("GET", P + "/pairs", "pairs", Access.ORGANISER),
    Route("POST", P + "/pairs", "pair", Access.ORGANISER),
    Route("POST", P + "/pairs/{match_id:\\d+}/unpair", "unpair", Access.ORGANISER),
    Route("GET", P + "/leads", "leads", Access.ORGANISER),
    Route("POST", P + "/leads/{lead_id:\\d+}/dismiss", "dismiss_lead", Access.ORGANISER),
    Route("POST", P + "/leads/merge", "merge_leads", Access.ORGANISER),
    Route("GET", P + "/matching", "matching", Access.ORGANISER),
    Route("POST", P + "/matching/preview", "run_preview", Access.ORGANISER),
    Route("POST", P + "/matching/confirm", "confirm_round", Access.ORGANISER),
    Route("GET", P + "/outcomes", "outcomes", Access.ORGANISER),
    Route("POST", P + "/outcomes/export", "export_outcomes", Access.ORGANISER),
    Route("GET", P + "/audit", "audit", Access.ORGANISER),
    Route("POST", P + "/export/{what:profiles|matches}", "export", Access.ORGANISER),
)
