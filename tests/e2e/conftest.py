"""End-to-end fixtures: the real bot against the local Discord, on a fresh database of the backend under test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.world import SandboxWorld
from tests.conftest import BACKEND, PG_URL, drop_test_schema


async def make_world(tmp_path_factory: pytest.TempPathFactory, **kwargs: object) -> tuple[SandboxWorld, str | None]:
    import uuid

    from sqlalchemy import text

    from storage.db import create_engine

    schema: str | None = None
    if BACKEND == "postgresql":
        schema = f"t_{uuid.uuid4().hex[:16]}"
        admin = create_engine(PG_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        url = PG_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e') / 'bot.db'}"
    world = SandboxWorld(database_url=url, schema=schema, **kwargs)  # type: ignore[arg-type]
    await world.start()
    return world, schema


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)
