"""The schema is created by migrations, on an empty database, and upgrading again changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from storage.db import alembic_config, current_revision, upgrade
from tests.support.database import drop_test_schema, make_test_engine

pytestmark = pytest.mark.storage


@pytest.fixture
async def engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """Migrated here from an empty database (other tests start from a copy of one migrated per process)."""
    eng, schema = await make_test_engine(tmp_path_factory, fresh=True)
    try:
        yield eng
    finally:
        await eng.dispose()
        await drop_test_schema(schema)


def head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrations_create_every_table_on_an_empty_database(engine: AsyncEngine) -> None:
    tables = await _tables(engine)
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert await current_revision(engine) == head()


async def test_upgrading_twice_is_idempotent(engine: AsyncEngine) -> None:
    before = await _tables(engine)
    await upgrade(engine)
    await upgrade(engine)
    assert await _tables(engine) == before
    assert await current_revision(engine) == head()


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    """Autogenerate finds nothing to add: the migration and the SQLModel tables agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def diff(conn: object) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})  # type: ignore[arg-type]
        return [d for d in compare_metadata(ctx, SQLModel.metadata) if d[0] not in ("remove_table",)]

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []
