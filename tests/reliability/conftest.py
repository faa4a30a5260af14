"""The reliability suite runs on PostgreSQL (several bot processes share one database); the in-process fuzz on
SQLite too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.database import PG_URL, drop_test_schema, make_test_engine
from tests.support.reliability import Database


@pytest.fixture
async def database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """A fresh, migrated PostgreSQL schema for the bot processes (and this process, to check invariants)."""
    engine, schema = await make_test_engine(tmp_path_factory)
    try:
        yield Database(PG_URL, schema, engine)
    finally:
        await engine.dispose()
        await drop_test_schema(schema)
