"""Dashboard fixtures: a sandbox world serving the dashboard, and HTTP browsers for organisers and others."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.world import SandboxWorld
from tests.support.database import drop_test_schema
from tests.support.world import make_world


@pytest.fixture
async def dworld(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, dashboard=True)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)
