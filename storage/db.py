"""The async engine, the session factory and schema upgrades."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.urls import normalise_url

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted content is overwritten, not left in free pages
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``. ``schema`` (PostgreSQL only) sets the search path, used by the tests."""
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        # one writer at a time: queue in the event loop instead of SQLite's sleeping busy-wait
        kwargs.update(connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {"timeout": 10, "command_timeout": 60}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    kwargs.update(connect_args=connect_args, pool_size=10, max_overflow=10, pool_recycle=1800)
    return create_async_engine(url, **kwargs)


def dialect_insert(session: AsyncSession) -> Any:
    """The session's dialect's ``insert`` (PostgreSQL's or SQLite's), for ``ON CONFLICT`` clauses: an insert
    that meets its unique key does nothing or updates in one statement, however many writers race."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session in a transaction: committed on success, rolled back on error."""
    async with factory() as session, session.begin():
        yield session


@dataclass(frozen=True)
class Erasure:
    """What :func:`purge_deleted` needs to know of an erasure, read inside its transaction: the tables to rewrite,
    and (PostgreSQL) the erasing transaction's id, so the rewrite waits for older snapshots to end."""

    tables: tuple[str, ...]
    xid: int | None = None


async def erasure_of(session: AsyncSession, also: Sequence[str] = ()) -> Erasure:
    """``also``, and the tables the session's open transaction deleted or updated rows in so far (PostgreSQL:
    from ``pg_stat_xact_user_tables``; on other databases ``also`` alone), and the transaction's id."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return Erasure(tuple(also))
    try:
        rows = await session.exec(text(  # type: ignore[call-overload]
            "SELECT relname FROM pg_stat_xact_user_tables "
            "WHERE schemaname = current_schema() AND n_tup_del + n_tup_upd + n_tup_hot_upd > 0"))
        touched = {str(r[0]) for r in rows}
        xid = int((await session.exec(text("SELECT txid_current()"))).scalar_one())  # type: ignore[call-overload]
    except DBAPIError as exc:
        log.warning("could not read which tables an erasure touched: %s", type(exc).__name__)
        return Erasure(tuple(also))
    return Erasure(tuple(sorted(touched | set(also))), xid)


#: how long the rewrite after an erasure waits for transactions that began before it (PostgreSQL); it runs in the
#: background (:mod:`bot.services.erasure_work`), which tries again later when some are still open
SNAPSHOT_WAIT = 10.0


async def purge_deleted(engine: AsyncEngine, erasure: Erasure | Sequence[str] = ()) -> bool:
    """After erasing someone: leave no copy of what was deleted in the database files. SQLite: the
    write-ahead log is checkpointed into the database and truncated, the file rebuilt (VACUUM: no freed page
    keeps old bytes; ``secure_delete`` is on too) and checkpointed again. PostgreSQL: a deleted or updated row
    stays in the table's file as a dead row version, and a plain VACUUM only marks its space free (the bytes
    stay until reused, in the table, its indexes and its TOAST table), so the erasure's tables are rewritten
    with ``VACUUM (FULL)``: new files holding only the live rows, indexes and TOAST rebuilt, the old files
    emptied. A row version another transaction may still see is copied too, so the rewrite first waits (at most
    :data:`SNAPSHOT_WAIT` seconds) until no transaction of this database that began before the erasure is
    open. The caller passes every table that may ever have held the person's data, not only those it changed
    now: a row of theirs deleted or updated earlier (a proof used, an answer changed) left its old version in
    the file too (:func:`erasure_of`). It locks each table while it runs (milliseconds for thousands of rows,
    over a second for large tables), so it runs in the background (:mod:`bot.services.erasure_work`), never
    while a person waits.
    What PostgreSQL still keeps (WAL segments until recycled, WAL archives, replicas, backups) is the
    operator's, see the README's privacy notes. A refused VACUUM (not the tables' owner) is logged, never an
    error: the rows are deleted anyway. Returns False when a transaction older than the erasure was still open
    (the rewrite may have copied row versions it can see: run it again later), else True."""
    if not isinstance(erasure, Erasure):
        erasure = Erasure(tuple(erasure))
    if engine.dialect.name == "postgresql":
        return await _vacuum_postgresql(engine, erasure)
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.commit()
        for sql in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
            cursor = await driver.execute(sql)
            await cursor.fetchall()
            await cursor.close()
    return True


_OLDER_SNAPSHOTS = text("""
    SELECT count(*) FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
       AND ((backend_xmin IS NOT NULL AND age(backend_xmin) >= age(CAST(:xid AS xid)))
         OR (backend_xid IS NOT NULL AND age(backend_xid) > age(CAST(:xid AS xid))))""")


async def _wait_for_older_snapshots(conn: Any, xid: int) -> bool:
    """Until no other open transaction of this database may still see what transaction ``xid`` deleted (True),
    or :data:`SNAPSHOT_WAIT` seconds (False)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + SNAPSHOT_WAIT
    while True:
        try:
            older = int((await conn.execute(_OLDER_SNAPSHOTS, {"xid": xid % 2**32})).scalar_one())
        except DBAPIError as exc:
            log.warning("could not see which transactions are open: %s", type(exc).__name__)
            return True
        if older == 0:
            return True
        if loop.time() >= give_up:
            log.warning("%d transaction(s) older than an erasure still open after %.0f s: the rewrite keeps the row "
                        "versions they can see until the next one", older, SNAPSHOT_WAIT)
            return False
        await asyncio.sleep(0.1)


async def _vacuum_postgresql(engine: AsyncEngine, erasure: Erasure) -> bool:
    names = sorted({t for t in erasure.tables if t.replace("_", "").isalnum()})  # our own metadata's tables only
    if not names:
        return True
    complete = True
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM can't run in a transaction
        if erasure.xid is not None:
            complete = await _wait_for_older_snapshots(auto, erasure.xid)
        for name in names:
            try:
                await auto.exec_driver_sql(f'VACUUM (FULL) "{name}"')
            except DBAPIError as exc:  # e.g. not the owner: PostgreSQL skips it with a warning or refuses
                log.warning("could not VACUUM %s after an erasure: %s", name, type(exc).__name__)
    return complete


def alembic_config(url: str | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # Alembic only when migrating: the CLI starts sooner

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def _upgrade_sync(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    from alembic import command

    command.upgrade(cfg, revision)


def _current_sync(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent). Runs on the engine's own connection."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_sync, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current_sync)
