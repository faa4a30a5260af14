"""End-to-end fixtures: the real bot against the local Discord, on a fresh database of the backend under test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.world import SandboxWorld
from tests.conftest import BACKEND, PG_URL, create_test_schema, drop_test_schema


async def make_world(tmp_path_factory: pytest.TempPathFactory, **kwargs: object) -> tuple[SandboxWorld, str | None]:
    schema: str | None = None
    if BACKEND == "postgresql":
        schema = await create_test_schema()
        url = PG_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e') / 'bot.db'}"
    world = SandboxWorld(database_url=url, schema=schema, **kwargs)  # type: ignore[arg-type]
    await world.start()
    return world, schema


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> AsyncIterator[SandboxWorld]:
    """A world per test; a module's ``WORLD_OVERRIDES`` (programme config) shapes its programme."""
    overrides = getattr(request.module, "WORLD_OVERRIDES", None)
    w, schema = await make_world(tmp_path_factory, programme_overrides=overrides)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)
