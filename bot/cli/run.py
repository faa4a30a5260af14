"""``run``: the bot against Discord (needs DISCORD_TOKEN), optionally a subset of the cluster's shards."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.options import ConfigOption, LogLevel, err, load_settings
from bot.logs import setup_logging


def run(
    config: ConfigOption = None,
    log_level: LogLevel = "",
    shards: Annotated[str | None, typer.Option(help="shard ids this process runs, e.g. 0,1")] = None,
    shard_count: Annotated[int | None, typer.Option(help="total shards in the cluster")] = None,
) -> None:
    """Run the bot against Discord (needs DISCORD_TOKEN)."""
    settings = load_settings(config)
    secrets = [s.get_secret_value() for s in settings.secrets.__dict__.values() if hasattr(s, "get_secret_value")]
    setup_logging(log_level or settings.config.bot.log_level, secrets=secrets)
    if settings.secrets.discord_token is None:
        err.print(
            "[bold red]DISCORD_TOKEN is not set.[/] Create an application at the Discord developer portal, "
            "add a bot, enable the Server Members and Message Content intents, and export its token:\n"
            "  export DISCORD_TOKEN=…\nTo try the bot without Discord, run `make demo`."
        )
        raise typer.Exit(2)
    shard_ids = [int(s) for s in shards.split(",")] if shards else None
    if shard_ids is not None and shard_count is None:
        err.print("[red]--shards needs --shard-count[/]")
        raise typer.Exit(2)
    from bot import event_loop
    from bot.runtime import run_bot

    try:
        event_loop.run(run_bot(settings, shard_ids=shard_ids, shard_count=shard_count))
    except KeyboardInterrupt:
        pass
