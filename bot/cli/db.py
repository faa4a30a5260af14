"""``db upgrade``: create or upgrade the database schema on its own (the bot also does it on start)."""

from __future__ import annotations

import asyncio

import typer

from bot.cli.options import ConfigOption, LogLevel, console, load_settings
from bot.logs import setup_logging

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(config: ConfigOption = None, log_level: LogLevel = "WARNING") -> None:
    """Create or upgrade the schema (idempotent)."""
    settings = load_settings(config)
    setup_logging(log_level)
    from storage.db import backend_name, create_engine, current_revision, upgrade

    async def go() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(go())
    console.print(f"[green]database is at revision {revision}[/] ({backend_name(settings.database_url)})")
