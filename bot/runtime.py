"""Wiring: from validated settings to a running bot (used by ``python -m bot run``, the demo and tests)."""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import BotDeps, MentorBot
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services.intake import XClientFactory
from storage.db import create_engine, session_factory, upgrade

log = logging.getLogger(__name__)


async def open_database(url: str, *, schema: str | None = None) -> AsyncEngine:
    """Create the engine and bring the schema up to date (the bot upgrades on start)."""
    engine = create_engine(url, schema=schema)
    await upgrade(engine)
    return engine


def build_bot(
    settings: Settings,
    engine: AsyncEngine,
    *,
    clock: Clock | None = None,
    extensions: list[str] | None = None,
    sync_commands: bool = True,
    x_client_factory: XClientFactory | None = None,
    **options: Any,
) -> MentorBot:
    """A bot with its dependencies, not yet connected."""
    from bot.services import build_services

    if x_client_factory is None:
        x_client_factory = x_client_from_env(settings)

    clock = clock or SystemClock()
    sessions = session_factory(engine)
    services = build_services(settings=settings, sessions=sessions, clock=clock, x_client_factory=x_client_factory)
    deps = BotDeps(
        settings=settings,
        sessions=sessions,
        clock=clock,
        scheduler=AsyncIOScheduler(timezone="UTC"),
        services=services,
        extensions=extensions,
        sync_commands=sync_commands,
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


async def run_bot(settings: Settings, *, shard_ids: list[int] | None = None, shard_count: int | None = None) -> None:
    """Run the real bot until interrupted."""
    token = settings.secrets.discord_token
    assert token is not None
    engine = await open_database(settings.database_url)
    options: dict[str, Any] = {}
    if shard_ids is not None:
        options.update(shard_ids=shard_ids, shard_count=shard_count)
    bot = build_bot(settings, engine, **options)
    try:
        async with bot:
            await bot.start(token.get_secret_value())
    finally:
        await engine.dispose()
