"""The real bot in a sandbox world (local Discord, X, Bluesky, Mastodon) on a fresh database of the backend
under test."""

from __future__ import annotations

import pytest

from bot.sandbox.world import SandboxWorld
from tests.support.database import BACKEND, PG_URL, create_test_schema, migrated_sqlite_file


async def make_world(tmp_path_factory: pytest.TempPathFactory, **kwargs: object) -> tuple[SandboxWorld, str | None]:
    """The database starts at the migrations' head (a copy of this process's migrated one, see
    :mod:`tests.support.database`); the bot's upgrade on start finds nothing to do, as on any restart."""
    schema: str | None = None
    if BACKEND == "postgresql":
        schema = await create_test_schema()
        url = PG_URL
    else:
        url = f"sqlite+aiosqlite:///{await migrated_sqlite_file(tmp_path_factory, 'e2e', 'bot.db')}"
    world = SandboxWorld(database_url=url, schema=schema, **kwargs)  # type: ignore[arg-type]
    await world.start()
    return world, schema
