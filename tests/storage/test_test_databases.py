"""Every test starts from an empty database at the migrations' head, though each test process migrates only once
(tests/support/database.py): a PostgreSQL schema handed on is empty with its ids restarted, and one whose
structure a test changed is never handed on."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support import database
from tests.support.database import BACKEND, drop_test_schema, make_test_engine

pytestmark = pytest.mark.storage

_INSERT = "INSERT INTO audit_event (action, detail, created_at) VALUES ('x', '{}', CURRENT_TIMESTAMP)"


async def _fill_then_release(tmp_path_factory: pytest.TempPathFactory, *, alter: bool) -> str | None:
    engine, schema = await make_test_engine(tmp_path_factory)
    async with engine.begin() as conn:
        for _ in range(3):
            await conn.execute(text(_INSERT))
        if alter:
            await conn.execute(text("ALTER TABLE audit_event ADD COLUMN scribble INTEGER"))
    await engine.dispose()
    await drop_test_schema(schema)
    return schema


async def test_the_next_test_gets_an_empty_database_whose_ids_start_again(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    used = await _fill_then_release(tmp_path_factory, alter=False)
    engine, schema = await make_test_engine(tmp_path_factory)
    try:
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM audit_event"))).scalar_one() == 0
            await conn.execute(text(_INSERT))
            assert (await conn.execute(text("SELECT max(id) FROM audit_event"))).scalar_one() == 1
        if BACKEND == "postgresql":
            assert schema == used  # the same schema, emptied: no migration ran for this test
    finally:
        await engine.dispose()
        await drop_test_schema(schema)


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite gives every test a new file")
async def test_a_schema_whose_tables_a_test_changed_is_dropped_not_handed_on(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    altered = await _fill_then_release(tmp_path_factory, alter=True)
    assert altered not in database._pg_pool
    engine, schema = await make_test_engine(tmp_path_factory)
    try:
        assert schema != altered
        async with engine.connect() as conn:
            columns = (await conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'audit_event'"))).scalars().all()
        assert "scribble" not in columns
    finally:
        await engine.dispose()
        await drop_test_schema(schema)
