"""The command line: ``python -m bot run | check-config | db | match | demo | bench``."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.config import Settings, default_config_path, load_config
from bot.config_errors import ConfigError
from bot.logs import setup_logging

app = typer.Typer(help="mentorbot: runs peer-mentoring programmes on Discord.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: numbers and ratios against a baseline.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")

console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config file (default: $MENTORBOT_CONFIG or ./mentorbot.toml)")
]
LogLevel = Annotated[str, typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR")]


def _load(path: Path | None) -> Settings:
    """Load the config or stop with every problem listed (exit 1)."""
    try:
        return load_config(path if path is not None else default_config_path())
    except ConfigError as exc:
        where = f" in {exc.source}" if exc.source else ""
        err.print(f"[bold red]The configuration{where} has {len(exc.problems)} problem(s):[/]")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _host(instance: str) -> str:
    return instance.lower().split("://", 1)[-1].rstrip("/")


def _credential_warnings(settings: Settings, env: Mapping[str, str] | None = None) -> list[str]:
    """Which credentials (from the environment only) are missing for which source of which programme."""
    values = os.environ if env is None else env
    warnings = []
    for i, prog in enumerate(settings.config.programme):
        where = f"programme[{i}] ({prog.key})"
        x_tags = " ".join(f"#{s.tag}" for s in prog.intake.sources_on("x"))
        if x_tags and settings.secrets.x_bearer_token is None:
            warnings.append(f"{where}: X hashtags {x_tags}: X_BEARER_TOKEN is not set; X polling stays off")
        if x_tags and settings.secrets.x_access_token is None:
            warnings.append(
                f"{where}: X hashtags {x_tags}: X_API_KEY/X_API_SECRET/X_ACCESS_TOKEN/X_ACCESS_TOKEN_SECRET are "
                "not set; invites go to the organisers' leads channel instead of X replies"
            )
        bsky_tags = " ".join(f"#{s.tag}" for s in prog.intake.sources_on("bluesky"))
        missing = [k for k in ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD") if not values.get(k)]
        if bsky_tags and missing:
            warnings.append(
                f"{where}: Bluesky hashtags {bsky_tags}: {'/'.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set; Bluesky polling stays off (use an app password)"
            )
        home = values.get("MASTODON_INSTANCE", "")
        for src in prog.intake.sources_on("mastodon"):
            if not src.replies:
                continue
            if not values.get("MASTODON_ACCESS_TOKEN"):
                warnings.append(
                    f"{where}: Mastodon source #{src.tag} on {src.instance}: MASTODON_ACCESS_TOKEN is not set; "
                    "the hashtag is read, but invites go to the organisers' leads channel instead of replies"
                )
            elif home and _host(home) != _host(src.instance or ""):
                warnings.append(
                    f"{where}: Mastodon source #{src.tag} on {src.instance}: the access token is for "
                    f"MASTODON_INSTANCE={home}; that instance is read without it and its invites go to the "
                    "organisers' leads channel"
                )
    return warnings


@app.command("check-config")
def check_config(file: Annotated[Path, typer.Argument(help="the TOML file to check")]) -> None:
    """Validate a config file; print every problem as `path: reason` (exit 1 when any)."""
    settings = _load(file)
    keys = ", ".join(p.key for p in settings.config.programme) or "none"
    console.print(f"[green]OK[/]: {file} — {len(settings.config.programme)} programme(s): {keys}")
    for warning in _credential_warnings(settings):
        console.print(f"[yellow]note[/]: {warning}", highlight=False)


@app.command()
def run(
    config: ConfigOption = None,
    log_level: LogLevel = "",
    shards: Annotated[str | None, typer.Option(help="shard ids this process runs, e.g. 0,1")] = None,
    shard_count: Annotated[int | None, typer.Option(help="total shards in the cluster")] = None,
) -> None:
    """Run the bot against Discord (needs DISCORD_TOKEN)."""
    settings = _load(config)
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
    from bot.runtime import run_bot

    try:
        asyncio.run(run_bot(settings, shard_ids=shard_ids, shard_count=shard_count))
    except KeyboardInterrupt:
        pass


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, log_level: LogLevel = "WARNING") -> None:
    """Create or upgrade the schema (idempotent)."""
    settings = _load(config)
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


@app.command()
def match(
    people: Annotated[Path, typer.Argument(help="people CSV (MATCHING.md's columns, or a programme's /export)")],
    out: Annotated[Path, typer.Option("--out", help="where to write mentor_id,mentee_id,score,reasons")],
    on: Annotated[str | None, typer.Option("--date", help="reference date for time-zone offsets, YYYY-MM-DD")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML with [matching] or [[programme]]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    programme: Annotated[str | None, typer.Option(
        "--programme", help="the file is this preset's /export: edumentoring, libraries or runtogether")] = None,
) -> None:
    """Match mentors and mentees from a CSV, offline."""
    from bot.matching.cli import run_match_cli

    ref: date | None = None
    if on:
        try:
            ref = date.fromisoformat(on)
        except ValueError:
            err.print(f"[red]--date: '{on}' is not a date like 2026-09-01[/]")
            raise typer.Exit(2) from None
    raise typer.Exit(run_match_cli(people, out, ref, config, as_json, console, programme))


from bot import cli_more  # noqa: E402,F401  (demo and bench commands register themselves)
