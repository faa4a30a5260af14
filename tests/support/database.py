"""The database under test: the backend chosen by ``MENTORBOT_TEST_BACKEND`` (``sqlite`` by default, or
``postgresql`` with ``TEST_DATABASE_URL``), a fresh migrated database per test, a PostgreSQL schema per test."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, upgrade

BACKEND = os.environ.get("MENTORBOT_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


async def create_test_schema() -> str:
    """A new, empty PostgreSQL schema for one test (dropped by :func:`drop_test_schema`)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return schema


async def make_test_engine(tmp_path_factory: pytest.TempPathFactory) -> tuple[AsyncEngine, str | None]:
    """A migrated, empty database on the backend under test, and its PostgreSQL schema (if any)."""
    if BACKEND == "postgresql":
        schema = await create_test_schema()
        engine = create_engine(PG_URL, schema=schema)
    else:
        path = tmp_path_factory.mktemp("db") / "test.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        schema = None
    await upgrade(engine)
    return engine, schema


async def drop_test_schema(schema: str | None) -> None:
    if schema is None:
        return
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()
