"""The real bot in a sandbox world (local Discord, X, Bluesky, Mastodon) on a fresh database of the backend
under test."""

from __future__ import annotations

import pytest

from bot.sandbox.world import SandboxWorld, world_limits
from tests.support.database import BACKEND, PG_URL, create_test_schema, migrated_sqlite_file

# Discord's rate-limit buckets at a tenth of their windows: the bot meets the same limits and headers
# without the suite waiting out five-second windows (tests of pacing itself pass their own limits).
TEST_WINDOW_SCALE = 0.1


async def make_world(tmp_path_factory: pytest.TempPathFactory, **kwargs: object) -> tuple[SandboxWorld, str | None]:
    """The database starts at the migrations' head (a copy of this process's migrated one, see
    :mod:`tests.support.database`); the bot's upgrade on start finds nothing to do, as on any restart."""
    schema: str | None = None
    if BACKEND == "postgresql":
        schema = await create_test_schema()
        url = PG_URL
    else:
        url = f"sqlite+aiosqlite:///{await migrated_sqlite_file(tmp_path_factory, 'e2e', 'bot.db')}"
    kwargs.setdefault("limits", world_limits(window_scale=TEST_WINDOW_SCALE))
    world = SandboxWorld(database_url=url, schema=schema, **kwargs)  # type: ignore[arg-type]
    await world.start()
    return world, schema
