"""The reliability suite runs only on PostgreSQL (several bot processes share one database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import BACKEND, PG_URL, drop_test_schema, make_test_engine

ON_POSTGRES = BACKEND == "postgresql" and bool(PG_URL)
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="the reliability suite needs MENTORBOT_TEST_BACKEND=postgresql and TEST_DATABASE_URL"
)


@dataclass
class Database:
    url: str
    schema: str | None
    engine: AsyncEngine


@pytest.fixture
async def database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    """A fresh, migrated PostgreSQL schema for the bot processes (and this process, to check invariants)."""
    engine, schema = await make_test_engine(tmp_path_factory)
    try:
        yield Database(PG_URL, schema, engine)
    finally:
        await engine.dispose()
        await drop_test_schema(schema)
