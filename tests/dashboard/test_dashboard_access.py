"""Who may use the dashboard: sign-in with Discord (the local Discord's OAuth2), organisers only on every route,
the role asked again on every request, CSRF on every POST, signed cookies."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlmodel import select
from yarl import URL

from bot.dashboard.app import Access
from bot.sandbox.world import SandboxWorld
from storage.models import AuditEvent, Person
from tests.support.dashboard import Browser, dashboard_of

pytestmark = pytest.mark.e2e

PARAMS = {"key": "edu", "person_id": "1", "match_id": "1", "lead_id": "1", "what": "profiles"}


async def person_of(world: SandboxWorld, discord_id: int) -> Person:
    """The person row the bot made when ``discord_id`` joined (it is written as the join arrives)."""
    for _ in range(200):
        async with world.bot.sessions() as s:
            person = (await s.exec(select(Person).where(Person.discord_user_id == discord_id))).first()
        if person is not None:
            return person
        await asyncio.sleep(0.02)
    raise AssertionError(f"no person for {discord_id}")


def concrete(path: str) -> str:
    """A route's path with its parameters filled in (``/p/{key}/people/{person_id:\\d+}`` → ``/p/edu/people/1``)."""
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: PARAMS[m.group(1)], path)


async def test_an_organiser_signs_in_with_discord_and_lands_on_their_programme(dworld: SandboxWorld) -> None:
    assert dworld.organiser is not None
    browser = Browser(dworld)
    try:
        status, body, url = await browser.sign_in(dworld.organiser)
        assert status == 200 and url.endswith("/p/edu")
        assert "Signed in as Olu Organiser" in body and "#EduMentoring" in body
        assert "Funnel" in body and "Weekly activity" in body
    finally:
        await browser.close()


async def test_every_route_refuses_a_signed_out_visitor_and_a_member_who_is_not_an_organiser(
        dworld: SandboxWorld) -> None:
    assert dworld.guild is not None
    dash = dashboard_of(dworld)
    guarded = [(r, concrete(r.path)) for r, _ in dash.routes if r.access is not Access.PUBLIC]
    assert len(guarded) >= 15  # the walk covers the whole table, not a sample
    stranger = Browser(dworld)
    member = dworld.person("Mo Member")
    await member.join(dworld.guild)
    nosy = Browser(dworld)
    try:
        for route, path in guarded:
            status, body, location = await (stranger.get(path) if route.method == "GET" else stranger.post(path))
            if route.method == "GET":
                assert status == 303 and location.startswith("/login"), (path, status)
            else:
                assert status == 401 and "Sign in first" in body, (path, status)
        status, body, _ = await nosy.sign_in(member)
        assert status == 403 and "not an organiser of any programme" in body
        for route, path in guarded:
            if route.access is not Access.ORGANISER:
                continue
            status, body, _ = await (nosy.get(path) if route.method == "GET" else nosy.post(path))
            assert status == 403 and "not an organiser of this programme" in body, (route.method, path, status)
    finally:
        await stranger.close()
        await nosy.close()


async def test_losing_the_organiser_role_locks_the_dashboard_at_the_next_click(dworld: SandboxWorld) -> None:
    assert dworld.organiser is not None and dworld.guild is not None and dworld.organisers is not None
    browser = Browser(dworld)
    try:
        await browser.sign_in(dworld.organiser)
        assert (await browser.get("/p/edu/people"))[0] == 200
        dworld.discord.state.remove_member_role(dworld.guild, dworld.organiser.id, dworld.organisers.id)
        await dworld.discord.state.wait_for(
            lambda: not any(r.id == dworld.organisers.id for r in dworld.bot.get_guild(dworld.guild.id)  # type: ignore[union-attr]
                            .get_member(dworld.organiser.id).roles), 5.0)  # type: ignore[union-attr]
        status, body, _ = await browser.get("/p/edu/people")
        assert status == 403 and "not an organiser" in body
        status, _, _ = await browser.post("/p/edu/matching/preview")
        assert status == 403
    finally:
        await browser.close()


async def test_a_post_without_the_forms_csrf_token_changes_nothing(dworld: SandboxWorld) -> None:
    assert dworld.organiser is not None and dworld.guild is not None
    ada = dworld.person("Ada")
    await ada.join(dworld.guild)
    browser = Browser(dworld)
    try:
        await browser.sign_in(dworld.organiser)
        person = await person_of(dworld, ada.id)
        path = f"/p/edu/people/{person.id}/pause"
        for token in ("", "forged-" + browser.csrf[:10]):
            status, body, _ = await browser.post(path, {"weeks": "2"}, csrf=token)
            assert status == 403 and "This form has expired" in body
        async with dworld.bot.sessions() as s:
            again = await s.get(Person, person.id)
            events = list(await s.exec(select(AuditEvent).where(AuditEvent.action == "person.pause")))
        assert again is not None and again.status != "paused" and events == []
        status, _, location = await browser.post(path, {"weeks": "2"})
        assert status == 303 and location == path.removesuffix("/pause")
    finally:
        await browser.close()


async def test_a_forged_session_cookie_is_a_signed_out_visitor(dworld: SandboxWorld) -> None:
    assert dworld.organiser is not None
    browser = Browser(dworld)
    try:
        await browser.sign_in(dworld.organiser)
        cookie = next(c for c in browser.http.cookie_jar if c.key == "mentorbot_session")
        payload, mac = cookie.value.split(".")
        tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
        browser.http.cookie_jar.clear()
        browser.http.cookie_jar.update_cookies({"mentorbot_session": tampered}, response_url=URL(browser.base))
        status, _, location = await browser.get("/p/edu")
        assert status == 303 and location.startswith("/login")
        assert "HttpOnly" in cookie.output() and "SameSite=Lax" in cookie.output()
    finally:
        await browser.close()


async def test_a_sign_in_that_did_not_start_here_is_refused(dworld: SandboxWorld) -> None:
    browser = Browser(dworld)
    try:
        status, body, _ = await browser.get("/auth/callback?code=abc&state=made-up")
        assert status == 400 and "expired or was not started here" in body
    finally:
        await browser.close()


async def test_sign_in_never_sends_anyone_off_site(dworld: SandboxWorld) -> None:
    assert dworld.organiser is not None
    browser = Browser(dworld)
    try:
        for sneaky in ("//evil.example/steal", "/%5Cevil.example/steal", "https://evil.example/"):
            status, _, url = await browser.sign_in(dworld.organiser, next_path=sneaky)
            assert status == 200 and url == f"{dworld.dashboard_url}/p/edu", sneaky
        status, body, _ = await browser.get("/p/edu/audit")
        assert status == 200 and "<td>Olu Organiser</td>" not in body  # nothing done yet
        await browser.post("/p/edu/matching/preview")
        status, body, _ = await browser.get("/p/edu/audit")
        assert "<td>Olu Organiser</td>" in body and "match.preview" in body  # who, by name
    finally:
        await browser.close()
