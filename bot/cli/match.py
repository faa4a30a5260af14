"""``match PEOPLE.csv --out MATCHES.csv``: the offline matcher (the work is in bot/matching/cli.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.options import console, err


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
