"""Wiring: from validated settings to a running bot (used by ``python -m bot run``, the demo and tests)."""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import BotDeps, MentorBot
from bot.clock import Clock, SystemClock
from bot.config import Settings
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
    **options: Any,
) -> MentorBot:
    """A bot with its dependencies, not yet connected."""
    from bot.services import build_services

    clock = clock or SystemClock()
    sessions = session_factory(engine)
    services = build_services(settings=settings, sessions=sessions, clock=clock)
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
