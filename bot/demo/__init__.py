"""``python -m bot demo``: a whole mentoring programme on SQLite + the local Discord and X, in seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from bot import plural
from bot.clock import SandboxClock
from bot.demo import dashboard
from bot.demo.checkins import summary as batched_summary
from bot.demo.goals import outcome_counts
from bot.demo.population import make_population
from bot.demo.report import collect, write_chart, write_report
from bot.demo.runner import Demo
from bot.demo.surveys import survey_counts
from bot.demo.transcript import write_transcript
from bot.onboarding.questions import QuestionsConfig, build_questions
from bot.sandbox.world import SandboxWorld, world_limits
from bot.stats.funnel import Funnel

PROGRAMMES = {
    "edumentoring": ("EduMentoring", "EDU"),
    "libraries": ("LibrariesConnected", "LIB"),
    "runtogether": ("RunTogether", "RUN"),
}


def _fresh_output(out_dir: Path, db: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _status(demo: Demo, started: float) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_row("[bold]phase[/]", demo.state.phase)
    table.add_row("[bold]sandbox time[/]", f"{demo.world.clock.now():%a %d %b %Y %H:%M} UTC")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(demo.state.counts.items())) or "—"
    table.add_row("[bold]so far[/]", counts)
    table.add_row("[bold]elapsed[/]", f"{time.monotonic() - started:.1f} s")
    return table


PROGRESS_EVERY_S = 10.0  # without a terminal: a progress line at each phase, and at least this often


def _progress_line(demo: Demo, started: float) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(demo.state.counts.items())) or "—"
    return (f"[{time.monotonic() - started:6.1f} s] {demo.state.phase} · sandbox time "
            f"{demo.world.clock.now():%a %d %b %H:%M} · so far: {counts}")


async def run_demo(*, seed: int, people: int, programme: str, report: Path | None, out_dir: Path,
                   console: Console, wait: bool = False, window_scale: float = 1.0) -> int:
    """``wait``: at the end keep the organisers' dashboard up until Enter is pressed (only on a terminal).
    ``window_scale``: the local Discord's rate-limit windows, scaled (1.0: Discord's; the tests run the same
    buckets and headers at a tenth of the windows, see :func:`bot.sandbox.world.world_limits`)."""
    if programme not in PROGRAMMES:
        console.print(f"[red]--programme must be one of {', '.join(PROGRAMMES)}[/]")
        return 2
    root = logging.getLogger()
    level_before = root.level
    root.setLevel(logging.ERROR)  # the demo's own progress line and summary, not the bot's logs
    started = time.monotonic()
    db = out_dir / "demo.db"
    await asyncio.to_thread(_fresh_output, out_dir, db)
    hashtag, prefix = PROGRAMMES[programme]
    questions = build_questions(QuestionsConfig(preset=programme))
    population = make_population(questions, people, seed)
    clock = SandboxClock(datetime(2026, 9, 7, 9, 0, tzinfo=UTC))  # a Monday morning in September
    overrides: dict[str, Any] = {"intake": {"hashtags": [hashtag], "claim_code_prefix": prefix,
                                            "poll_interval_seconds": 86_400}}  # the demo's posts come on day one
    if programme == "runtogether":  # new run leaders all year round: matched weekly as they arrive
        overrides["rhythm"] = {"mode": "rolling", "every_days": 7, "auto_confirm": True}
    world = SandboxWorld(
        database_url=f"sqlite+aiosqlite:///{db}", preset=programme, programme_key=programme, clock=clock,
        programme_overrides=overrides, dashboard=True, limits=world_limits(window_scale=window_scale),
    )
    await world.start()
    demo = Demo(world, population, seed, hashtag)
    try:
        # a terminal gets a live status; a pipe or a log file gets a progress line per phase (and every 10 s)
        live_status = console.is_terminal
        with Live(_status(demo, started), console=console, refresh_per_second=8, transient=True) if live_status \
                else contextlib.nullcontext() as live:
            async def refresh() -> None:
                printed, printed_at = "", 0.0
                while True:
                    if live is not None:
                        live.update(_status(demo, started))
                    elif demo.state.phase != printed or time.monotonic() - printed_at >= PROGRESS_EVERY_S:
                        printed, printed_at = demo.state.phase, time.monotonic()
                        console.print(_progress_line(demo, started), markup=False, highlight=False, soft_wrap=True)
                    await asyncio.sleep(0.125)

            ticker = asyncio.create_task(refresh())
            try:
                steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [("intake", demo.intake)]
                if programme == "libraries":  # a cohort: a round that asks for training first
                    steps += [("round", demo.open_round), ("onboarding", demo.onboard),
                              ("training", demo.training_then_close)]
                else:
                    steps += [("onboarding", demo.onboard)]
                steps += [("matching", lambda: demo.match_round("first round")), ("six weeks", demo.weeks),
                          ("a story", demo.goals.share_a_story)]
                for name, step in steps:
                    t = time.monotonic()
                    await step()
                    demo.state.timings[name] = time.monotonic() - t
                demo.state.phase = "writing the report"
            finally:
                ticker.cancel()
        funnel = await write_chart(world, out_dir / "stats.png")  # the programme at six weeks, pairs still going
        await demo.surveys.close_the_round(out_dir)  # then the round ends: end surveys and the outcomes report
        messages = await asyncio.to_thread(write_transcript, world, out_dir / "transcript.md")
        data = await collect(world, population, seed, programme)
        data["batched_checkins"] = batched_summary(demo)  # one check-in per mentor and moment (bot/demo/checkins.py)
        data.setdefault("outcomes", {}).update(await outcome_counts(demo))
        data["outcomes"].update(await survey_counts(demo))
        visited = await dashboard.visit(world)  # the organiser signs in to the dashboard and reads every page
        data["dashboard"] = {"signed_in_as": visited.signed_in_as, "pages": visited.pages}
        if report is not None:
            await asyncio.to_thread(write_report, data, report)
        _summary(console, demo, data, funnel, messages, out_dir, report, time.monotonic() - started)
        await dashboard.show(world, console, visited, wait=wait)
    finally:
        await world.stop()
        root.setLevel(level_before)  # a demo run inside another program leaves its logging as it found it
    return 0


def _summary(console: Console, demo: Demo, data: dict[str, Any], funnel: Funnel, messages: int, out_dir: Path,
             report: Path | None, seconds: float) -> None:
    console.rule(f"[bold]{data['programme']} demo · seed {data['seed']}")
    stages = funnel.stages()
    console.print("Funnel: " + " → ".join(f"{label} {count}" for label, count in stages))
    names = {p["id"]: (p["profile"] or {}).get("name") or p["id"] for p in data["people"]}
    pairs = Table(title="Pairs and why", show_lines=False, expand=True)
    for col, width in (("mentor", 16), ("mentee", 16), ("score", 6), ("status", 7), ("why", None)):
        pairs.add_column(col, overflow="fold", max_width=width)
    for m in data["matches"][:10]:
        pairs.add_row(names[m["mentor"]], names[m["mentee"]], f"{m['score']:.1f}", m["status"], m["reasons"][:160])
    console.print(pairs)
    if len(data["matches"]) > 10:
        console.print(f"… and {len(data['matches']) - 10} more pairs (all in the report)")
    checkins = [m for m in data["matches"] if m.get("kind") == "check-in"]
    if checkins:
        console.print(f"Check-ins: {plural.count(len(checkins), 'mentor check-in')} with experienced leaders "
                      f"(their own lighter nudge plan), besides {len(data['matches']) - len(checkins)} mentoring pairs")
    batched = data.get("batched_checkins") or {}
    if batched.get("messages"):
        console.print(f"One check-in per moment: {plural.count(batched['messages'], 'check-in')} to "
                      f"{plural.count(batched['people'], 'mentor')} with several leaders covered "
                      f"{plural.count(batched['pairings'], 'pairing')}, each answered on its own")
    in_round = Counter(str(p["round"]) for p in data["people"] if p.get("round"))
    if in_round:
        console.print("Rounds: " + " · ".join(f"{name} {count}" for name, count in in_round.most_common()),
                      markup=False, highlight=False)
    why_not = Counter(re.sub(r"^unmatched: ", "", str(p["not_matched_because"])) for p in data["people"]
                      if p.get("not_matched_because"))
    if why_not:
        console.print(f"Not matched ({sum(why_not.values())}), and why:")
        for why, count in why_not.most_common(6):
            console.print(f"  • {count} × {why[:120]}", markup=False, highlight=False)
    for ev in data.get("events", []):
        sent = ", ".join(f"{n} × {point}" for point, n in ev["reminders_sent"].items()) or "none"
        console.print(f"Event: {ev['title']} ({ev['kind'].replace('_', ' ')}, {ev['status']}): {ev['interested']} "
                      f"interested, {ev['going']} going, {ev['declined']} can't make it; reminders sent {sent}; "
                      f"{ev['start_links_sent']} start links DMed; {ev['attended']} attended, "
                      f"{ev['feedback']} answered the feedback question", markup=False, highlight=False)
    outcomes = data.get("outcomes") or {}
    if "goals_set" in outcomes:
        console.print(f"Outcomes: {plural.count(outcomes['goals_set'], 'goal')} set in "
                      f"{plural.count(outcomes['pairs_with_goals'], 'pair')}, {outcomes['goals_achieved']} achieved; "
                      f"{plural.count(outcomes['stories_posted'], 'story', 'stories')} posted "
                      f"(of {outcomes['stories_offered']} offered)")
    if "surveys_sent" in outcomes:
        sent, answered = outcomes["surveys_sent"], outcomes["survey_responses"]
        console.print("Surveys: " + " · ".join(f"{key} {answered.get(key, 0)} answered of {n} sent"
                                               for key, n in sent.items()), markup=False, highlight=False)
        means = [f"{m} {v['baseline_mean'] if v['baseline_mean'] is not None else '—'} → "
                 f"{v['end_mean'] if v['end_mean'] is not None else '—'}" for m, v in outcomes["measures"].items()]
        console.print("Start → end (mean; — fewer than five answers): " + " · ".join(means), markup=False,
                      highlight=False)
        console.print(f"Outcomes report: {out_dir / 'outcomes.png'}, outcomes.csv, outcomes.md")
    organisers = demo.world.organisers_channel
    told = [m.content for m in demo.world.discord.state.messages.values()
            if organisers is not None and m.channel_id == organisers.id]
    kinds: Counter[str] = Counter()
    example: dict[str, str] = {}
    for text in told:
        first = re.sub(r"<[@#][!&]?\d+>", "@someone", text.splitlines()[0] if text else "")
        kind = " ".join(first.replace("*", "").split()[:3])
        kinds[kind] += 1
        example.setdefault(kind, first[:100])
    console.print(f"Organisers were told {len(told)} things in #organisers:")
    for kind, count in kinds.most_common(8):
        console.print(f"  • {count} × {example[kind]}", markup=False, highlight=False)
    for note in demo.state.organiser_notes:
        console.print(f"  ▸ {note}", markup=False)
    console.print(f"Transcript ({messages} messages): {out_dir / 'transcript.md'}")
    console.print(f"Stats chart: {out_dir / 'stats.png'}")
    if report is not None:
        console.print(f"Report: {report}")
    console.print("Phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in demo.state.timings.items()))
    console.print(f"Finished in {seconds:.1f} s ({len(names)} people, sandbox time {demo.world.clock.now():%d %b %Y}).")
