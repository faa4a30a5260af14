"""``report --programme KEY [--round N | --since DATE --until DATE] --out DIR``: the outcomes report (chart,
anonymised CSV, Markdown summary) written to DIR, from the bot's database. Figures resting on fewer than five
people are withheld."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.options import ConfigOption, LogLevel, console, err, load_settings
from bot.logs import setup_logging


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[bold red]{option}:[/] {value!r} is not a date like 2026-09-01")
        raise typer.Exit(2) from None


def report(
    programme: Annotated[str, typer.Option("--programme", "-p", help="the programme's key")],
    out: Annotated[Path, typer.Option("--out", "-o", help="folder to write the PNG, CSV and Markdown into")],
    round_number: Annotated[int | None, typer.Option("--round", "-r", min=1,
                                                     help="the round (1 = the first); default: all")] = None,
    since: Annotated[str | None, typer.Option("--since", help="answers from this date (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="answers up to this date, inclusive")] = None,
    config: ConfigOption = None,
    log_level: LogLevel = "WARNING",
) -> None:
    """Write a programme's outcomes report (baseline → end per measure, goal progress, response rates)."""
    settings = load_settings(config)
    setup_logging(log_level)
    first, last = _day(since, "--since"), _day(until, "--until")
    from bot.clock import SystemClock
    from bot.services.goals import GoalService
    from bot.services.outcomes import OutcomesService, ReportError
    from bot.services.programmes import ProgrammeRegistry
    from storage.db import create_engine, session_factory

    async def go() -> list[Path]:
        engine = create_engine(settings.database_url)
        try:
            sessions, clock = session_factory(engine), SystemClock()
            registry = ProgrammeRegistry(settings, sessions, clock)
            await registry.load()
            prog = registry.get(programme)
            if prog is None:
                known = ", ".join(p.key for p in registry.all()) or "none"
                raise ReportError(f"there is no programme {programme!r} (known: {known})")
            made = await OutcomesService(sessions, clock, GoalService(registry, sessions, clock)).produce(
                prog, round_number=round_number, since=first, until=last)
        finally:
            await engine.dispose()
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, data in made.files:
            (out / name).write_bytes(data)
            written.append(out / name)
        return written

    try:
        files = asyncio.run(go())
    except ReportError as exc:
        err.print(f"[bold red]no report:[/] {exc}")
        raise typer.Exit(1) from None
    console.print("[green]outcomes report written:[/]")
    for path in files:
        console.print(f"  {path}", markup=False, highlight=False)
