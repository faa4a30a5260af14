"""The demo's dashboard: signed in through the local Discord as the demo's organiser, every page read once (the
demo's own check that it answers), then its address and a sign-in link printed and kept up until Enter."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from rich.console import Console

from bot.sandbox.world import SandboxWorld

PAGES = ("", "/people", "/pairs", "/leads", "/matching", "/outcomes", "/audit")


@dataclass
class DashboardVisit:
    signed_in_as: str = ""
    pages: dict[str, int] = field(default_factory=dict)  # path → HTTP status


async def visit(world: SandboxWorld) -> DashboardVisit:
    """Sign in as the organiser (the local Discord's consent page, *Authorize*) and read every page."""
    assert world.organiser is not None
    out = DashboardVisit()
    base = world.dashboard_url
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/auth/discord", allow_redirects=False) as resp:
            authorize = resp.headers["Location"]
        form = {**dict(parse_qsl(urlsplit(authorize).query)), "user_id": str(world.organiser.id),
                "decision": "authorize"}
        async with http.post(authorize.split("?")[0], data=form, allow_redirects=True) as resp:
            if resp.status == 200 and "Signed in as" in await resp.text():
                out.signed_in_as = world.organiser.name
        for page in PAGES:
            path = f"/p/{world.programme_key}{page}"
            async with http.get(base + path, allow_redirects=False) as resp:
                out.pages[path] = resp.status
    return out


async def show(world: SandboxWorld, console: Console, result: DashboardVisit, *, wait: bool) -> None:
    """Print the dashboard's part of the demo summary; with ``wait`` (and a terminal) keep it up until Enter."""
    ok = sum(1 for status in result.pages.values() if status == 200)
    console.print(f"Dashboard: {ok} of {len(result.pages)} pages answered for {result.signed_in_as or 'nobody'} "
                  "(signed in with Discord through the local Discord)", markup=False, highlight=False)
    assert world.organiser is not None
    world.discord.oauth2.signed_in = world.organiser.id  # the consent page picks the organiser for you
    console.print(f"Dashboard: {world.dashboard_url}  ·  sign in: {world.dashboard_url}/auth/discord "
                  f"(the local Discord asks you to Authorize as {world.organiser.name}; no network needed)",
                  markup=False, highlight=False)
    if wait and sys.stdin is not None and sys.stdin.isatty():
        await asyncio.to_thread(input, "The dashboard stays up until you press Enter… ")
