"""Wiring: from validated settings to a running bot (used by ``python -m bot run``, the demo and tests)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import BotDeps, MentorBot
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services.intake import BlueskyClientFactory, MastodonClientFactory, XClientFactory
from storage.db import create_engine, session_factory, upgrade

log = logging.getLogger(__name__)


MIGRATION_LOCK = 0x4D42_0001  # PostgreSQL advisory lock: one process of a cluster upgrades at a time


async def open_database(url: str, *, schema: str | None = None) -> AsyncEngine:
    """Create the engine and bring the schema up to date (the bot upgrades on start). On PostgreSQL the
    processes of a cluster that start together take turns (an advisory lock), so only one migrates."""
    engine = create_engine(url, schema=schema)
    if engine.dialect.name != "postgresql":
        await upgrade(engine)
        return engine
    async with engine.connect() as lock_conn:
        await lock_conn.execute(text("SELECT pg_advisory_lock(:k)").bindparams(k=MIGRATION_LOCK))
        try:
            await upgrade(engine)
        finally:
            await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)").bindparams(k=MIGRATION_LOCK))
    return engine


def build_bot(
    settings: Settings,
    engine: AsyncEngine,
    *,
    clock: Clock | None = None,
    extensions: list[str] | None = None,
    sync_commands: bool = True,
    x_client_factory: XClientFactory | None = None,
    bluesky_client_factory: BlueskyClientFactory | None = None,
    mastodon_client_factory: MastodonClientFactory | None = None,
    owns_process: bool = False,
    **options: Any,
) -> MentorBot:
    """A bot with its dependencies, not yet connected. Client factories not given come from the environment.
    ``owns_process``: the bot is alone in its OS process (it may tune the process's garbage collector)."""
    from bot.services import build_services

    if x_client_factory is None:
        x_client_factory = x_client_from_env(settings)
    if bluesky_client_factory is None:
        bluesky_client_factory = bluesky_client_from_env()
    if mastodon_client_factory is None:
        mastodon_client_factory = mastodon_client_from_env()

    clock = clock or SystemClock()
    sessions = session_factory(engine)
    services = build_services(settings=settings, sessions=sessions, clock=clock, x_client_factory=x_client_factory,
                              bluesky_client_factory=bluesky_client_factory,
                              mastodon_client_factory=mastodon_client_factory)
    deps = BotDeps(
        settings=settings,
        sessions=sessions,
        clock=clock,
        scheduler=AsyncIOScheduler(timezone="UTC"),
        services=services,
        extensions=extensions,
        sync_commands=sync_commands,
        owns_process=owns_process,
    )
    return MentorBot(deps, **options)


def x_client_from_env(settings: Settings) -> XClientFactory | None:
    """A tweepy AsyncClient factory from the environment's X credentials (``None`` when there are none)."""
    s = settings.secrets
    if s.x_bearer_token is None and s.x_access_token is None:
        return None

    def make() -> Any:
        from tweepy.asynchronous import AsyncClient

        def val(secret: Any) -> str | None:
            return secret.get_secret_value() if secret is not None else None

        return AsyncClient(
            bearer_token=val(s.x_bearer_token), consumer_key=val(s.x_api_key), consumer_secret=val(s.x_api_secret),
            access_token=val(s.x_access_token), access_token_secret=val(s.x_access_token_secret),
            wait_on_rate_limit=False,
        )

    return make


def bluesky_client_from_env(env: Mapping[str, str] | None = None) -> BlueskyClientFactory | None:
    """A factory logging the bot in to Bluesky with ``BLUESKY_HANDLE`` and ``BLUESKY_APP_PASSWORD`` (and
    ``BLUESKY_SERVICE``, default https://bsky.social); ``None`` when they are not both set."""
    values = os.environ if env is None else env
    if not values.get("BLUESKY_HANDLE") or not values.get("BLUESKY_APP_PASSWORD"):
        return None

    def make() -> Any:
        from bot.intake.bluesky_source import make_bluesky_client_from_env

        return make_bluesky_client_from_env(env=values)  # a coroutine: the service awaits the login

    return make


def mastodon_client_from_env(env: Mapping[str, str] | None = None) -> MastodonClientFactory:
    """A factory of Mastodon.py clients per instance, with ``MASTODON_ACCESS_TOKEN`` when set (replies need
    it; public hashtag timelines are read without one on most instances). A token belongs to one instance:
    with ``MASTODON_INSTANCE`` set, other instances are read without it (their leads go to the organisers)."""
    values = os.environ if env is None else env

    def make(instance: str) -> Any:
        from bot.intake.mastodon_parse import instance_domain
        from bot.intake.mastodon_source import make_mastodon_client_from_env

        home = values.get("MASTODON_INSTANCE")
        use = values
        if home and instance_domain(home) != instance_domain(instance):
            use = {k: v for k, v in values.items() if k != "MASTODON_ACCESS_TOKEN"}
        return make_mastodon_client_from_env(instance, env=use)

    return make


async def run_bot(settings: Settings, *, shard_ids: list[int] | None = None, shard_count: int | None = None) -> None:
    """Run the real bot until interrupted."""
    token = settings.secrets.discord_token
    assert token is not None
    from bot import event_loop

    log.info("starting: %s", event_loop.describe())
    engine = await open_database(settings.database_url)
    options: dict[str, Any] = {}
    if shard_ids is not None:
        options.update(shard_ids=shard_ids, shard_count=shard_count)
    bot = build_bot(settings, engine, owns_process=True, **options)
    try:
        async with bot:
            await bot.start(token.get_secret_value())
    finally:
        await engine.dispose()
