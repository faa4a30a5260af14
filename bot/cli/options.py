"""What every command shares: the consoles, the ``--config``/``--log-level`` options, loading the config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.config import Settings, default_config_path, load_config
from bot.config_errors import ConfigError

console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config file (default: $MENTORBOT_CONFIG or ./mentorbot.toml)")
]
LogLevel = Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR")]


def load_settings(path: Path | None) -> Settings:
    """Load the config or stop with every problem listed (exit 1)."""
    try:
        return load_config(path if path is not None else default_config_path())
    except ConfigError as exc:
        where = f" in {exc.source}" if exc.source else ""
        err.print(f"[bold red]The configuration{where} has {len(exc.problems)} problem(s):[/]")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(1) from None
