"""The database under test: the backend chosen by ``MENTORBOT_TEST_BACKEND`` (``sqlite`` by default, or
``postgresql`` with ``TEST_DATABASE_URL``), a fresh migrated database per test, a PostgreSQL schema per test.

Migrating takes ~0.3 s on SQLite and ~1 s on PostgreSQL (about a hundred DDL statements, then a DROP SCHEMA),
so each test process migrates once and every test then starts from a copy of that result:

- SQLite: the migrated file is copied to the test's own path (the code under test still runs its upgrade on
  start, which finds the schema at head and does nothing).
- PostgreSQL: a schema a test is done with is emptied (every row deleted, every sequence restarted) and given
  to the next test, unless the test changed its structure (tables, columns, constraints, indexes or the
  migration revision differ from a freshly migrated schema's): that one is dropped. The reliability suite
  (bot processes that may outlive a test, database restarts) always gets new schemas.

``fresh=True`` (the migration tests) migrates an empty database for real.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import create_engine, upgrade

BACKEND = os.environ.get("MENTORBOT_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("TEST_DATABASE_URL", "")

_sqlite_template: Path | None = None
_pg_pool: list[str] = []  # emptied schemas at head, ready for the next test
_pg_reference: str | None = None  # the structure of a freshly migrated schema (see _FINGERPRINT)
_reuse = {"schemas": True}  # off for the reliability suite (see tests/conftest.py)


def reuse_schemas(enabled: bool) -> None:
    """Whether schemas released by :func:`drop_test_schema` may be emptied and given to the next test."""
    _reuse["schemas"] = enabled


async def create_test_schema(*, fresh: bool = False) -> str:
    """A PostgreSQL schema for one test (released by :func:`drop_test_schema`): an emptied one at head when one
    is free, else a new, empty one (the bot migrates it on start). ``fresh``: always a new, empty one."""
    if _pg_pool and not fresh and _reuse["schemas"]:
        return _pg_pool.pop()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return schema


async def _sqlite_template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This process's migrated SQLite file (made on first use)."""
    global _sqlite_template
    if _sqlite_template is None or not _sqlite_template.exists():
        path = tmp_path_factory.mktemp("template") / "migrated.db"
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()  # the last connection closes: the write-ahead log is folded into the file
        _sqlite_template = path
    return _sqlite_template


async def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory, folder: str, name: str) -> Path:
    """A new SQLite file at head in a new ``folder``: a copy of this process's migrated file."""
    template = await _sqlite_template_file(tmp_path_factory)
    path = tmp_path_factory.mktemp(folder) / name
    shutil.copyfile(template, path)
    for suffix in ("-wal", "-shm"):  # normally gone once the template's engine was disposed
        if Path(f"{template}{suffix}").exists():
            shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
    return path


async def make_test_engine(tmp_path_factory: pytest.TempPathFactory, *,
                           fresh: bool = False) -> tuple[AsyncEngine, str | None]:
    """A migrated, empty database on the backend under test, and its PostgreSQL schema (if any)."""
    if BACKEND == "postgresql":
        schema = await create_test_schema(fresh=fresh)
        engine = create_engine(PG_URL, schema=schema)
    else:
        if fresh:
            path = tmp_path_factory.mktemp("db") / "test.db"
        else:
            path = await migrated_sqlite_file(tmp_path_factory, "db", "test.db")
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        schema = None
    await upgrade(engine)  # at head already unless fresh: a no-op, as when the bot starts again
    return engine, schema


# Tables, views and sequences with their columns, then constraints, indexes and functions: the schema's name
# taken out, so that two schemas migrated alike give the same text.
_FINGERPRINT = """
SELECT string_agg(item, E'\\n' ORDER BY item) FROM (
    SELECT c.relname || ' ' || c.relkind::text || ' ' || coalesce(a.attname, '') || ' '
           || coalesce(format_type(a.atttypid, a.atttypmod), '') || ' ' || coalesce(a.attnotnull::text, '') || ' '
           || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE n.nspname = :schema
    UNION ALL
    SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(co.oid)
    FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = :schema
    UNION ALL
    SELECT indexdef FROM pg_indexes WHERE schemaname = :schema
    UNION ALL
    SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = :schema
    UNION ALL
    SELECT 'revision ' || version_num FROM "{schema}".alembic_version
) items
"""


async def _fingerprint(conn: AsyncConnection, schema: str) -> str:
    result = await conn.execute(text(_FINGERPRINT.replace("{schema}", schema)), {"schema": schema})
    return str(result.scalar_one() or "").replace(f"{schema}.", "").replace(f'"{schema}".', "")


async def _reference_fingerprint() -> str:
    """The structure of a schema the migrations make from nothing (made once per process; then pooled)."""
    global _pg_reference
    if _pg_reference is None:
        schema = await create_test_schema(fresh=True)
        engine = create_engine(PG_URL, schema=schema)
        await upgrade(engine)
        await engine.dispose()
        admin = create_engine(PG_URL)
        async with admin.connect() as conn:
            _pg_reference = await _fingerprint(conn, schema)
        await admin.dispose()
        _pg_pool.append(schema)
    return _pg_reference


async def _empty_for_reuse(schema: str) -> bool:
    """Delete every row (but the migration revision) and restart every sequence, if the schema's structure
    is still a freshly migrated one's; False (nothing done) otherwise."""
    admin = create_engine(PG_URL)
    try:
        reference = await _reference_fingerprint()
        async with admin.begin() as conn:
            if await _fingerprint(conn, schema) != reference:
                return False
            await conn.execute(text("SET LOCAL lock_timeout = '5s'"))  # a connection left in a transaction: drop
            await conn.execute(text("SET LOCAL session_replication_role = replica"))  # no foreign-key order
            tables = (await conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
                {"s": schema})).scalars().all()
            sequences = (await conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema})).scalars().all()
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{schema}"."{table}"'))
            for sequence in sequences:
                await conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
        return True
    except Exception:
        return False
    finally:
        await admin.dispose()


async def drop_pooled_schemas() -> None:
    """At the end of the test process: drop the schemas kept for reuse."""
    if not _pg_pool:
        return
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        while _pg_pool:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{_pg_pool.pop()}" CASCADE'))
    await admin.dispose()


async def drop_test_schema(schema: str | None) -> None:
    """Release a test's schema: emptied and kept for the next test when it can be, dropped otherwise."""
    if schema is None:
        return
    if _reuse["schemas"] and await _empty_for_reuse(schema):
        _pg_pool.append(schema)
        return
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()


@contextmanager
def database_unreachable(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement on ``engine`` refused as by a database that cannot be reached, until the block ends:
    yields the statements that were tried (none: the code under test did not touch the database)."""
    tried: list[str] = []

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        tried.append(statement)
        raise OperationalError(statement, None, ConnectionRefusedError(111, "the database cannot be reached"))

    event.listen(engine.sync_engine, "before_cursor_execute", refuse)
    try:
        yield tried
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", refuse)
