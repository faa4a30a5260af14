"""Backups of the embedded SQLite database and their restore (``python -m bot db backup|restore``).

* Backup uses SQLite's online backup API (``sqlite3.Connection.backup``): it copies a consistent snapshot
  page by page while the bot keeps running (WAL readers and writers are not blocked; pages changed during
  the copy make SQLite restart the copy, so the result is always one committed state). The copy is written
  next to the destination and renamed into place, so a half-written file never carries the backup's name.
* Restore checks that the file is a mentorbot database (``PRAGMA integrity_check`` and a schema revision),
  keeps the current database as ``<db>.before-restore-<time>``, then copies the backup in with the same
  API. Run it with the bot stopped: nudges, claims and interviews are rows, so the bot carries on from
  the backup's state when it starts (what happened after the backup was taken is not in it).
* PostgreSQL is backed up with its own tools (``pg_dump``); :data:`POSTGRES_ADVICE` says how.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.urls import backend_name, normalise_url

POSTGRES_ADVICE = """\
This programme runs on PostgreSQL: back it up with PostgreSQL's own tools, not with this command.

  pg_dump --format=custom --file=mentorbot-$(date -u +%Y%m%dT%H%MZ).dump "$DATABASE_URL"
  (restore into an empty database:  pg_restore --clean --if-exists --dbname="$DATABASE_URL" FILE.dump)

pg_dump takes a consistent snapshot while the bots keep running. Recommended: a dump every day, kept
for 14 days, plus one a week kept for 3 months; copy them off the database machine. Test a restore
into a scratch database once a term. For point-in-time recovery use WAL archiving (pgBackRest, Barman)."""


class BackupError(Exception):
    """A backup or restore that could not be done (the message says why, for the person at the console)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    revision: str | None
    kept_as: Path | None = None  # restore: where the replaced database was kept


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL. In-memory databases have no file."""
    if backend_name(database_url) != "sqlite":
        return None
    database = make_url(normalise_url(database_url)).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _check(conn: sqlite3.Connection, what: Path) -> str:
    """The schema revision of a sound mentorbot database, or BackupError."""
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a SQLite database ({exc})") from exc
    if not ok or ok[0] != "ok":
        raise BackupError(f"{what} is damaged: {ok[0] if ok else 'no answer'}")
    revision = _revision(conn)
    if revision is None:
        raise BackupError(f"{what} is not a mentorbot database (no schema revision)")
    return revision


def _copy(source: sqlite3.Connection, dest_path: Path) -> None:
    tmp = dest_path.with_name(f".{dest_path.name}.partial")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target, pages=256)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
    os.replace(tmp, dest_path)


def backup_sqlite(database: Path, dest: Path) -> BackupResult:
    """Copy the live database ``database`` to ``dest`` (consistent while the bot runs)."""
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if dest.resolve() == database.resolve():
        raise BackupError("the backup must go to another file than the database")
    if dest.is_dir():
        dest = dest / f"mentorbot-{datetime.now().astimezone():%Y%m%dT%H%M%S}.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        _copy(source, dest)
    finally:
        source.close()
    check = sqlite3.connect(dest)
    try:
        revision = _check(check, dest)
    finally:
        check.close()
    return BackupResult(dest, dest.stat().st_size, revision)


def restore_sqlite(backup: Path, database: Path) -> BackupResult:
    """Replace ``database`` by the backup ``backup`` (the bot must be stopped). The replaced database is kept
    beside it as ``<name>.before-restore-<time>``."""
    if not backup.exists():
        raise BackupError(f"there is no backup at {backup}")
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        revision = _check(source, backup)
        kept: Path | None = None
        if database.exists():
            kept = database.with_name(f"{database.name}.before-restore-{datetime.now().astimezone():%Y%m%dT%H%M%S}")
            current = sqlite3.connect(database, timeout=30)
            try:
                _copy(current, kept)
            finally:
                current.close()
        database.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):  # the old database's write-ahead log must not replay over the backup
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        _copy(source, database)
    finally:
        source.close()
    return BackupResult(database, database.stat().st_size, revision, kept)
