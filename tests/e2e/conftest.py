"""End-to-end fixtures: the real bot against the local Discord, on a fresh database of the backend under test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.world import SandboxWorld
from tests.support.database import drop_test_schema
from tests.support.pairs import nworld_fixture  # noqa: F401  (registers the nworld fixture for every e2e test)
from tests.support.surveys import sworld_fixture  # noqa: F401  (and the surveys world, sworld)
from tests.support.world import make_world


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
