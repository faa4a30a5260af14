"""What an erasure leaves behind, read by the tests: every row, the database's files, the queued erasure work."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlmodel import SQLModel

from bot.sandbox.world import SandboxWorld
from storage.queries import erasure_work
from tests.support.database import BACKEND


async def all_rows(world: SandboxWorld) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    async with world.bot.sessions() as s:
        for table in SQLModel.metadata.sorted_tables:
            result = await s.exec(select(table))  # type: ignore[call-overload]
            out[table.name] = [dict(r._mapping) for r in result]
    return out


async def _relation_files(world: SandboxWorld) -> dict[Path, str]:
    """PostgreSQL: the files on disk of every table of the test's schema, of its indexes, its TOAST table and
    the TOAST table's index (every fork and segment), after a checkpoint wrote every changed page to them.
    The tests run as root on the database's own machine, so the data directory is readable."""
    async with world.bot.sessions() as s:
        await s.exec(text("CHECKPOINT"))  # type: ignore[call-overload]
        data = Path((await s.exec(text("SHOW data_directory"))).scalar_one())  # type: ignore[call-overload]
        rows = await s.exec(text(  # type: ignore[call-overload]
            """WITH tables AS (SELECT c.oid, c.reltoastrelid FROM pg_class c
                                 JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = current_schema() AND c.relkind = 'r'),
                    rels AS (SELECT oid FROM tables
                             UNION SELECT reltoastrelid FROM tables WHERE reltoastrelid <> 0)
               SELECT pg_relation_filepath(oid), oid::regclass::text FROM rels
               UNION SELECT pg_relation_filepath(i.indexrelid), i.indexrelid::regclass::text
                       FROM pg_index i JOIN rels r ON i.indrelid = r.oid"""))
        paths = {data / r[0]: r[1] for r in rows if r[0]}
    found: dict[Path, str] = {}
    for path, name in paths.items():
        forks = re.compile(rf"^{re.escape(path.name)}(_fsm|_vm|_init)?(\.\d+)?$")
        found |= {f: name for f in path.parent.iterdir() if forks.match(f.name)}
    assert len(paths) > 20 and found, "the schema's relation files were not found"
    return found


async def no_copy_left(world: SandboxWorld, given: list[str]) -> None:
    """No row, and no byte of a table's, index's or TOAST table's file (SQLite: the database and its log), holds
    any of ``given``."""
    for table, rows in (await all_rows(world)).items():
        for row in rows:
            for column, value in row.items():
                found = json.dumps(value, default=str, ensure_ascii=False) if isinstance(value, dict | list) \
                    else str(value)
                for item in given:
                    assert item.lower() not in found.lower(), f"{table}.{column} still holds {item!r}"
    if BACKEND == "postgresql":  # tables, their indexes and TOAST: dead row versions, freed space and all
        files = await _relation_files(world)
    else:
        path = Path(world.database_url.split(":///", 1)[1])
        files = {f: f.name for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if f.exists()}
        assert path in files
    for file, name in files.items():
        data = file.read_bytes()
        for item in given:
            assert item.encode() not in data, f"{name} ({file.name}) still holds {item!r}"




async def open_erasure_work(world: SandboxWorld) -> dict[str, int]:
    """The erasure work still to do, by kind (``rewrite``, ``delete_post``)."""
    async with world.bot.sessions() as s:
        return await erasure_work.open_work(session=s)


async def erasure_work_done(world: SandboxWorld, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Until the bot has done every queued piece of erasure work by itself (no tick): AssertionError after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while await open_erasure_work(world):
        assert time.monotonic() < deadline, f"erasure work still open: {await open_erasure_work(world)}"
        await asyncio.sleep(0.2)
