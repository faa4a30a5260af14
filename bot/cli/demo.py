"""``demo``: a whole programme on the embedded default (SQLite + the local Discord, X, Bluesky, Mastodon)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.options import console


def demo(
    seed: Annotated[int, typer.Option(help="same seed, same run")] = 7,
    people: Annotated[int, typer.Option(help="how many simulated people")] = 40,
    programme: Annotated[str, typer.Option(help="edumentoring, libraries or runtogether")] = "edumentoring",
    report: Annotated[Path | None, typer.Option(help="write a JSON report of the run")] = None,
    out_dir: Annotated[Path, typer.Option(help="where the transcript and chart go")] = Path("demo-output"),
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="keep the organisers' dashboard up at the end until "
                                       "Enter is pressed (only on a terminal)")] = True,
) -> None:
    """Run a whole programme on the embedded default: SQLite + the local Discord and X."""
    from bot.demo import run_demo

    raise typer.Exit(
        asyncio.run(run_demo(seed=seed, people=people, programme=programme, report=report, out_dir=out_dir,
                             console=console, wait=wait))
    )
