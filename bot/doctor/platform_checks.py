"""The doctor's X, Bluesky and Mastodon checks: for each programme with sources there, whether the configured
credentials work (one search / login / timeline read) and whether they allow the replies the programme wants.
Uses the same client factories and account look-ups as the running bot. No discord import."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from tweepy.errors import Forbidden, HTTPException, TooManyRequests, Unauthorized

from bot.config import ProgrammeConfig
from bot.doctor.checklist import Checklist
from bot.intake.mastodon_parse import instance_domain
from bot.intake.mastodon_source import mastodon_tag
from bot.intake.x_parse import build_query, error_text
from bot.intake.x_source import SEARCH_ROUTE, has_user_keys
from bot.services.intake.feeds import (
    X_BEARER_ONLY,
    BlueskyClientFactory,
    MastodonClientFactory,
    Unavailable,
    XClientFactory,
    build_client,
    connect_bluesky,
    connect_mastodon,
    connect_x,
)

X_PORTAL = "the X developer portal (developer.x.com) → your app → Keys and tokens"


def wants_replies(cfg: ProgrammeConfig, platform: str) -> bool:
    """Whether the programme would reply on ``platform`` (a source allowing replies, a reply budget, an
    invite link): only then does a credential that can't reply count as a problem."""
    sources = cfg.intake.sources_on(platform)
    return any(s.replies for s in sources) and cfg.intake.replies_per_hour > 0 and bool(cfg.invite_url)


async def check_x(cfg: ProgrammeConfig, factory: XClientFactory | None, out: Checklist) -> None:
    sources = cfg.intake.sources_on("x")
    if not sources:
        return
    section = f"X for programme {cfg.key}"
    tags = tuple(s.tag for s in sources)
    if factory is None:
        out.failed(section, f"X credentials for {' '.join('#' + t for t in tags)}",
                   "set X_BEARER_TOKEN (search) and X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET "
                   f"(replies) from {X_PORTAL}")
        return
    client = await build_client(factory)
    bearer = bool(getattr(client, "bearer_token", None))
    try:
        await client.request("GET", SEARCH_ROUTE, params={"query": build_query(tags), "max_results": "10"},
                             user_auth=not bearer)
        out.passed(section, "X recent search works")
    except TooManyRequests:
        out.passed(section, "X accepts the credentials (its search is rate limited right now)")
    except Unauthorized as exc:
        key = "X_BEARER_TOKEN" if bearer else "the X user keys"
        out.failed(section, "X recent search works",
                   f"X rejected {key} (401: {error_text(exc)}): regenerate it in {X_PORTAL}")
    except Forbidden as exc:
        out.failed(section, "X recent search works",
                   f"X refused the search (403: {error_text(exc)}): the app's plan must include recent search")
    except (HTTPException, aiohttp.ClientError, TimeoutError) as exc:
        out.failed(section, "X recent search works", f"could not search X: {exc}")
    if not wants_replies(cfg, "x"):
        out.passed(section, "X replies are not wanted (replies = false, no invite_url or replies_per_hour = 0)")
        return
    if not has_user_keys(client):
        out.failed(section, "X replies with the bot's account", X_BEARER_ONLY)
        return
    try:
        account = await connect_x(lambda: client)
    except Unavailable as exc:
        out.failed(section, "X replies with the bot's account",
                   f"{exc.reason}: regenerate the access token and secret (Read and Write) in {X_PORTAL}")
        return
    out.check(section, account.can_reply, f"X replies as @{account.handle} (to posts that @mention it)",
              account.why_not)


async def check_bluesky(cfg: ProgrammeConfig, factory: BlueskyClientFactory | None, out: Checklist) -> None:
    sources = cfg.intake.sources_on("bluesky")
    if not sources:
        return
    section = f"Bluesky for programme {cfg.key}"
    if factory is None:
        out.failed(section, "Bluesky credentials", "set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password "
                   "from Bluesky → Settings → Privacy and security → App passwords)")
        return
    try:
        account = await connect_bluesky(factory)
    except Unavailable as exc:
        out.failed(section, "Bluesky login", f"{exc.reason}: check BLUESKY_HANDLE and make a new app password")
        return
    out.passed(section, f"Bluesky login as {account.handle} (search and replies)")


async def check_mastodon(cfg: ProgrammeConfig, factory: MastodonClientFactory | None, out: Checklist) -> None:
    sources = cfg.intake.sources_on("mastodon")
    if not sources or factory is None:
        return
    section = f"Mastodon for programme {cfg.key}"
    for instance in dict.fromkeys(s.instance or "" for s in sources):
        domain = instance_domain(instance)
        try:
            account = await connect_mastodon(factory, instance)
        except Unavailable as exc:
            out.failed(section, f"{domain} can be reached", exc.reason)
            continue
        tag = mastodon_tag(next(s.tag for s in sources if s.instance == instance))
        try:
            await asyncio.to_thread(account.client.timeline_hashtag, tag, limit=1)
            out.passed(section, f"{domain}'s #{tag} timeline can be read")
        except Exception as exc:  # Mastodon.py's errors and the network's: all mean "not readable"
            out.failed(section, f"{domain}'s #{tag} timeline can be read",
                       f"{domain} answered {type(exc).__name__}: {exc} (some instances show hashtag timelines only "
                       "to logged-in accounts: set MASTODON_ACCESS_TOKEN for that instance)")
        wanted = any(s.replies for s in sources if s.instance == instance) and wants_replies(cfg, "mastodon")
        if not wanted:
            continue
        out.check(section, account.can_reply, f"replies on {domain} as {account.handle or 'the bot'}",
                  account.why_not)


async def check_platforms(
    cfg: ProgrammeConfig, out: Checklist, *, x: XClientFactory | None, bluesky: BlueskyClientFactory | None,
    mastodon: MastodonClientFactory | None,
) -> Any:
    await check_x(cfg, x, out)
    await check_bluesky(cfg, bluesky, out)
    await check_mastodon(cfg, mastodon, out)
