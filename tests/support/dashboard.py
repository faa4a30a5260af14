"""Driving the dashboard over HTTP as a browser would (cookies, redirects, forms), signed in through the local
Discord's OAuth2 consent page as a given persona."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import aiohttp

from bot.dashboard.app import Dashboard
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def dashboard_of(world: SandboxWorld) -> Dashboard:
    cog = world.bot.get_cog("DashboardCog")
    assert cog is not None, "the dashboard is not running"
    dash = getattr(cog, "dashboard", None)
    assert isinstance(dash, Dashboard)
    return dash


class Browser:
    """An HTTP client with its own cookie jar (no redirects followed unless asked)."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self.base = world.dashboard_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, *, follow: bool = False) -> tuple[int, str, str]:
        """(status, body, Location) of ``GET path``."""
        async with self.http.get(self.base + path, allow_redirects=follow) as resp:
            body = await resp.text() if resp.content_type.startswith("text/") else ""
            found = CSRF.search(body)
            if found:
                self.csrf = unescape(found.group(1))
            return resp.status, body, resp.headers.get("Location", "")

    async def post(self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = None,
                   follow: bool = False) -> tuple[int, str, str]:
        form = dict(data or {})
        token = self.csrf if csrf is None else csrf
        if token:
            form["csrf"] = token
        async with self.http.post(self.base + path, data=form, allow_redirects=follow) as resp:
            body = await resp.text()
            return resp.status, body, resp.headers.get("Location", "")

    async def sign_in(self, persona: Persona, *, next_path: str = "/") -> tuple[int, str, str]:
        """Sign in with Discord as ``persona`` (the consent page's *Authorize*); the answer of the page the
        dashboard sends them to."""
        status, _, authorize = await self.get(f"/auth/discord?next={next_path}")
        assert status == 303 and "/oauth2/authorize?" in authorize, (status, authorize)
        async with self.http.get(authorize) as resp:
            assert resp.status == 200, await resp.text()
        form = dict(parse_qsl(urlsplit(authorize).query))
        form.update(user_id=str(persona.id), decision="authorize")
        async with self.http.post(authorize.split("?")[0], data=form, allow_redirects=False) as resp:
            callback = resp.headers["Location"]
        assert callback.startswith(self.base + "/auth/callback?"), callback
        async with self.http.get(callback, allow_redirects=True) as resp:
            body = await resp.text()
            found = CSRF.search(body)
            if found:
                self.csrf = unescape(found.group(1))
            return resp.status, body, str(resp.url)
