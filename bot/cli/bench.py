"""``bench matching | sandbox | intake | nudges | load | interactions | dashboard``: numbers and ratios against a baseline."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.options import console

app = typer.Typer(help="Benchmarks: numbers and ratios against a baseline.", no_args_is_help=True)


@app.command("sandbox")
def bench_sandbox(requests: int = 2000, concurrency: int = 20) -> None:
    """REST requests per second the local Discord serves."""
    from bot.sandbox.bench import bench_sandbox as run

    result = asyncio.run(run(requests=requests, concurrency=concurrency))
    _print_kv("local Discord throughput", dict(result))


@app.command("matching")
def bench_matching(
    seed: int = 0, large: Annotated[bool, typer.Option("--large/--quick", help="include 50,000 × 20,000")] = True
) -> None:
    """Candidate generation, solve time, memory, optimality — and a greedy baseline side by side."""
    from bot.matching.bench import bench_matching as run

    run(seed=seed, console=console, include_large=large)


@app.command("intake")
def bench_intake(posts: int = 10_000) -> None:
    """Ingest a backlog of hashtag posts from the local X."""
    from bot.intake.bench import bench_x_ingest

    result = asyncio.run(bench_x_ingest(posts=posts))
    _print_kv("X backlog ingest", dict(result))


@app.command("nudges")
def bench_nudges(count: int = 5000) -> None:
    """A burst of due nudges against the local Discord at Discord's limits: achieved / allowed rate."""
    from bot.nudges.bench import bench_nudges as run

    result = asyncio.run(run(count))
    _print_kv("nudge burst", result)


@app.command("load")
def bench_load(members: int = 1000) -> None:
    """Members joining at once: time from join to first question (p50/p99), new-DM pacing, event-loop lag."""
    from bot.bench_load import bench_load as run

    result = asyncio.run(run(members=members))
    _print_kv("join load", result)


@app.command("interactions")
def bench_interactions(
    people: Annotated[int, typer.Option(help="people pressing (half check-ins, half interview answers)")] = 1000,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="also run on this PostgreSQL (a fresh schema, dropped afterwards)")] = None,
    over: Annotated[float, typer.Option(
        help="people pressing at once: presses arrive as a Poisson process over these seconds (0: only the "
             "same-instant stress test)")] = 0.5,
    baseline: Annotated[bool, typer.Option(
        help="also run the baseline (discord.py's defaults, no acknowledgements-first order) for the ratio")] = True,
    profile: Annotated[str | None, typer.Option(
        help="write a cProfile of the bot's process during the same-instant burst to this file")] = None,
) -> None:
    """Time from an interaction's arrival to the bot's first response (p50/p99/max), with many people pressing
    check-in buttons and answering the interview at once — as a Poisson burst over ``--over`` seconds, and
    every press in the same instant (a stress test, bounded by the local Discord's one process) — with the bot
    in its own process: on SQLite, and on PostgreSQL when a URL is given."""
    from bot import event_loop
    from bot.bench_interactions import DISCORD_WINDOW_S, TARGET_S
    from bot.bench_interactions import bench_interactions as run

    runs = [("SQLite", None)] + ([("PostgreSQL", database_url)] if database_url else [])
    arrivals = ([over] if over > 0 else []) + [0.0]
    summary = Table(title=f"arrival → first response, {people} people, bot in its own process")
    for column in ("database", "arrivals", "p50 ms", "p99 ms", "max ms", "missed 3 s", "answer p99 ms", "bot CPU ms/ack",
                   "bot CPU ms/interaction", "local Discord CPU ms (burst)", "load avg", "baseline p99 ms",
                   "baseline / now"):
        summary.add_column(column, justify="right")
    for name, url in runs:
        for spread in arrivals:
            model = f"Poisson over {spread:g} s" if spread else "same instant (stress)"
            # the local Discord (Discord's side, not the bot's) runs on the same loop as the bot process
            result = event_loop.run(run(people, database_url=url, over=spread,
                                        profile=profile if not spread and url is None else None))
            _print_kv(f"interactions, {name}, {model}: arrival → first response", result)
            base = event_loop.run(run(people, database_url=url, over=spread, tuned=False)) if baseline else None
            if base is not None:
                _print_kv(f"baseline (discord.py defaults, no ack-first order), {name}, {model}", base)
            p99 = float(result["first_response_p99_ms"])
            verdict = "[green]within[/]" if p99 <= TARGET_S * 1000 else "[red]over[/]"
            console.print(f"{name}, {model}: p99 {p99:.0f} ms — {verdict} the {TARGET_S * 1000:.0f} ms target; "
                          f"{p99 / (DISCORD_WINDOW_S * 1000):.0%} of Discord's {DISCORD_WINDOW_S:.0f} s window; "
                          f"{result['missed_3s_window']} missed it")
            if not spread:
                console.print(f"  (stress test, not a crowd: the local Discord, one process, spent "
                              f"{result['local_discord_burst_cpu_ms']:.0f} ms of CPU on this burst's callbacks, one "
                              f"after another; the bot {result['bot_burst_cpu_ms_per_interaction']:.2f} ms a click)")
            base_p99 = float(base["first_response_p99_ms"]) if base else float("nan")
            summary.add_row(name, model, f"{result['first_response_p50_ms']:.0f}", f"{p99:.0f}",
                            f"{result['first_response_max_ms']:.0f}", str(result["missed_3s_window"]),
                            f"{result['answer_p99_ms']:.0f}",
                            f"{result['bot_burst_cpu_ms_per_interaction']:.2f}",
                            f"{result['bot_cpu_ms_per_interaction']:.2f}", f"{result['local_discord_burst_cpu_ms']:.0f}",
                            f"{result['load_average_1min']:.1f}",
                            f"{base_p99:.0f}", f"{base_p99 / p99:.1f}×" if base and p99 else "—")
    console.print(summary)


@app.command("dashboard")
def bench_dashboard(
    people: Annotated[int, typer.Option(help="people in the programme")] = 50_000,
    baseline: Annotated[int, typer.Option(help="the smaller programme the ratios compare with")] = 1_000,
    rounds: Annotated[int, typer.Option(help="requests per page")] = 7,
) -> None:
    """The organisers' dashboard's people page (search, filters, sort, deep pages): server time per request at
    50,000 people, against 1,000 people and the 300 ms budget."""
    from bot.dashboard.bench import bench_dashboard as run

    rows = run(people=people, baseline=baseline, rounds=rounds)
    table = Table(title=f"dashboard people page: server time, {people:,} people vs {baseline:,}")
    columns = list(rows[0])
    for column in columns:
        table.add_column(column, justify="left" if column == "page" else "right")
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


def _print_kv(title: str, result: Mapping[str, object]) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)
