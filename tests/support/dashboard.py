"""Driving the dashboard over HTTP as a browser would (cookies, redirects, forms), signed in through the local
Discord's OAuth2 consent page as a given persona."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import aiohttp

from bot.dashboard.app import Dashboard
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.queries import people
from tests.support.organisers import MENTEE, MENTOR

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


@dataclass
class Seeded:
    """A small programme: members (persona, person id) by name, and the X handles of two waiting leads."""

    members: dict[str, tuple[Persona, int]]
    leads: list[str]


async def seed_programme(world: SandboxWorld, mentors: tuple[str, ...] = ("Ada Mentor",),
                         mentees: tuple[str, ...] = ("Ben Mentee", "Cy Mentee")) -> Seeded:
    """Members who finished the interview (written to storage; no onboarding cog needed) and two people who
    posted the hashtag without @mentioning the bot (their leads wait for the organisers)."""
    assert world.guild is not None
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    now = world.clock.now()
    members: dict[str, tuple[Persona, int]] = {}
    for name in (*mentors, *mentees):
        persona = world.person(name)
        await persona.join(world.guild)
        answers = MENTOR if name in mentors else MENTEE
        async with transaction(world.bot.sessions) as s:
            person, _ = await people.get_or_create_person(session=s, programme_id=programme.id,
                                                          discord_user_id=persona.id, display_name=name, now=now)
            await people.set_person_status(session=s, person_id=person.id or 0, status="active", now=now)
            await people.upsert_profile(session=s, person_id=person.id or 0, programme_id=programme.id,
                                        answers=dict(answers), consent_at=now, now=now)
        members[name] = (persona, person.id or 0)
    handles = ["tam_teaches", "tam_on_x"]
    for handle in handles:
        world.x.add_post(f"Looking for a mentor in secondary maths #EduMentoring ({handle})", handle,
                         created_at=now - timedelta(minutes=5))
    await world.bot.tick("poll-x-edu")
    return Seeded(members, handles)
