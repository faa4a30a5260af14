"""``doctor``: before ``run``, check each programme's Discord server and the platforms' credentials for real."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli.options import ConfigOption, console, err, load_settings
from bot.logs import setup_logging


def doctor(
    config: ConfigOption = None,
    discord_api: Annotated[str, typer.Option(help="Discord's API base URL (a proxy, or the local sandbox)")] = (
        "https://discord.com/api/v10"),
) -> None:
    """Before `run`: check each programme's Discord server (permissions, intents, channels, roles) and the
    X/Bluesky/Mastodon credentials with the real tokens; print a checklist; exit 1 on any ✗."""
    settings = load_settings(config)
    setup_logging("ERROR")
    if settings.secrets.discord_token is None:
        err.print("[bold red]DISCORD_TOKEN is not set.[/] Export the bot's token first: export DISCORD_TOKEN=…")
        raise typer.Exit(2)
    from bot.doctor.console import run_doctor

    raise typer.Exit(asyncio.run(run_doctor(settings, console, discord_api=discord_api)))
