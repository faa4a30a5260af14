"""``db upgrade``: create or upgrade the database schema on its own (the bot also does it on start);
``db backup PATH`` / ``db restore PATH``: the embedded SQLite database's backups (:mod:`storage.backup`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.options import ConfigOption, LogLevel, console, err, load_settings
from bot.logs import setup_logging

app = typer.Typer(help="Database schema, backup and restore.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(config: ConfigOption = None, log_level: LogLevel = "WARNING") -> None:
    """Create or upgrade the schema (idempotent)."""
    settings = load_settings(config)
    setup_logging(log_level)
    from storage.db import create_engine, current_revision, upgrade
    from storage.urls import backend_name

    async def go() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(go())
    console.print(f"[green]database is at revision {revision}[/] ({backend_name(settings.database_url)})")


def _sqlite_file(config: Path | None) -> Path:
    """The embedded database's file; on PostgreSQL, how to back up there instead (exit 2)."""
    from storage.backup import POSTGRES_ADVICE, sqlite_path

    database = sqlite_path(load_settings(config).database_url)
    if database is None:
        console.print(POSTGRES_ADVICE, markup=False, highlight=False)
        raise typer.Exit(2)
    return database


@app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="the backup file (or a folder: a dated file is made in it)")],
    config: ConfigOption = None,
) -> None:
    """Copy the embedded SQLite database to PATH, consistently, while the bot keeps running (PostgreSQL: how
    to use pg_dump instead)."""
    from storage.backup import BackupError, backup_sqlite

    database = _sqlite_file(config)
    try:
        result = backup_sqlite(database, path)
    except BackupError as exc:
        err.print(f"[bold red]no backup:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(f"[green]backed up[/] {database} → {result.path} ({result.bytes:,} bytes, schema {result.revision})")


@app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="a backup made by `db backup`")],
    config: ConfigOption = None,
) -> None:
    """Replace the embedded SQLite database by a backup. Stop the bot first; start it again afterwards (it
    carries on from the backup: nudges already sent are not sent again, interviews resume)."""
    from storage.backup import BackupError, restore_sqlite

    database = _sqlite_file(config)
    try:
        result = restore_sqlite(path, database)
    except BackupError as exc:
        err.print(f"[bold red]not restored:[/] {exc}")
        raise typer.Exit(1) from None
    kept = f"; the replaced database is kept as {result.kept_as}" if result.kept_as else ""
    console.print(f"[green]restored[/] {path} → {database} (schema {result.revision}){kept}. Start the bot again.")
