"""The local Discord's OAuth2 authorization-code flow: a code is good once, for its redirect address, with the
client's secret; its bearer token reads ``GET /users/@me`` as that person and nothing a bot token may."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp

from bot.sandbox.discord import SandboxDiscord

REDIRECT = "http://127.0.0.1:9/auth/callback"


async def authorize(discord: SandboxDiscord, http: aiohttp.ClientSession, user_id: int) -> str:
    query = {"client_id": str(discord.application_id), "response_type": "code", "scope": "identify",
             "redirect_uri": REDIRECT, "state": "xyz"}
    url = f"{discord.base_url}/oauth2/authorize"
    async with http.get(f"{url}?{urlencode(query)}") as resp:
        assert resp.status == 200 and "wants to access your account" in await resp.text()
    async with http.post(url, data={**query, "user_id": str(user_id), "decision": "authorize"},
                         allow_redirects=False) as resp:
        back = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))
    assert back["state"] == "xyz"
    return back["code"]


async def test_a_code_becomes_a_bearer_token_that_says_who_signed_in_once() -> None:
    async with SandboxDiscord() as discord, aiohttp.ClientSession() as http:
        ana = discord.create_user("ana")
        code = await authorize(discord, http, ana.id)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "client_id": str(discord.application_id), "client_secret": "wrong"}
        async with http.post(f"{discord.base_url}/oauth2/token", data=form) as resp:
            assert resp.status == 401 and (await resp.json())["error"] == "invalid_client"
        form["client_secret"] = discord.oauth2.client_secret
        async with http.post(f"{discord.base_url}/oauth2/token", data=form) as resp:
            token = await resp.json()
        assert token["token_type"] == "Bearer" and token["scope"] == "identify"
        async with http.post(f"{discord.base_url}/oauth2/token", data=form) as resp:
            assert resp.status == 400 and (await resp.json())["error"] == "invalid_grant"  # a code is good once
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        async with http.get(f"{discord.base_url}/users/@me", headers=bearer) as resp:
            me = await resp.json()
        assert me["id"] == str(ana.id) and me["username"] == "ana"
        async with http.get(f"{discord.base_url}/gateway/bot", headers=bearer) as resp:
            assert resp.status == 401  # a person's token is not the bot's


async def test_cancel_on_the_consent_page_sends_the_person_back_without_a_code() -> None:
    async with SandboxDiscord() as discord, aiohttp.ClientSession() as http:
        ana = discord.create_user("ana")
        query = {"client_id": str(discord.application_id), "response_type": "code", "scope": "identify",
                 "redirect_uri": REDIRECT, "state": "s1", "user_id": str(ana.id), "decision": "cancel"}
        async with http.post(f"{discord.base_url}/oauth2/authorize", data=query, allow_redirects=False) as resp:
            back = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))
        assert back == {"error": "access_denied", "error_description": "The resource owner denied the request",
                        "state": "s1"}
