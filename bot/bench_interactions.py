"""``python -m bot bench interactions``: many people press buttons — half a check-in button ("We've met"),
half the first answer of their interview — and each interaction's time from its arrival to the bot's first
response (the acknowledgement Discord wants within 3 s) is measured: p50, p99, max, against Discord's 3 s
window and a 300 ms target. A response after 3 s is refused by the local Discord as by Discord (the person
saw "This interaction failed"); it counts in ``missed_3s_window`` and its time is still measured. An
interaction never answered within the bench's ``timeout`` counts as an infinite wait.

**Two processes, as in production.** The bot runs as its own OS process (:mod:`bot.sandbox.process`, the
same real bot the cluster rehearsals run), on SQLite or PostgreSQL (a fresh schema, dropped afterwards);
the local Discord (:mod:`bot.sandbox.serve`, unchanged) and the people pressing run in this process. The
bot's CPU is read from its own process (``/proc``): ``bot_cpu_ms_per_interaction`` is the bot's cost alone,
the local Discord's is reported beside it. "Arrival" is when the local Discord creates the interaction and
sends INTERACTION_CREATE (in the same-instant case every payload is built first and all are then sent back
to back, :func:`~bot.sandbox.discord.actors.start_interactions`: building them is Discord's work, not the
bot's); "first response" is when its callback request reaches the local Discord: the time
includes the gateway and REST hops on this machine, so it is an upper bound on the bot's own time.
Setting up (people joining and getting their first question, check-ins being sent) is not measured.

**Arrival models** (``over``): ``0`` — every press created back to back in the same instant, before the bot
reads any: a stress test, which no crowd of people produces (a thousand presses within ~30 ms). Its last
responses are bounded by the local Discord, not the bot: one Python process that handles the thousand
callbacks one after another (``local_discord_burst_cpu_ms``), where Discord's fleet handles them side by side.
``over > 0`` — people pressing at once: the presses arrive as a Poisson process over ``over`` seconds (uniform
random instants, seeded: clusters and gaps as people react to the same message at their own speed).

The local Discord's own checks of every request and answer against Discord's OpenAPI document (proven in the
test suite) are Discord's cost, not the bot's: they are off during the burst, and the local Discord's heap is
frozen for it (garbage collections over everyone's state, in the process that stands in for Discord). On a
shared machine the wall-clock times grow with the load (``load_average_1min``), the CPU cost does not.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import random
import re
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bot.bench_load import _percentile

DISCORD_WINDOW_S = 3.0
TARGET_S = 0.3
SETUP_BATCH = 100
#: the bench's bot: Discord's message rate, and opening DMs is not what is measured
BENCH_PACING = {"messages_per_second": 45.0, "burst": 5, "new_dms_per_minute": 100_000, "new_dm_burst": 1000}
__all__ = ["DISCORD_WINDOW_S", "TARGET_S", "bench_interactions"]


async def bench_interactions(
    people: int = 1000, *, database_url: str | None = None, timeout: float = 120.0,  # noqa: ASYNC109
    over: float = 0.0, tuned: bool = True, profile: str | None = None,
) -> dict[str, Any]:
    """``people`` press (half check-ins, half interview answers) in the same instant, or as a Poisson burst
    over ``over`` seconds; the numbers. ``tuned=False`` is the baseline: discord.py's defaults (each handler
    acknowledges on its own, a new connection for every concurrent request, callbacks sharing them with REST)
    and no acknowledgements-first ordering (:mod:`bot.ack_first`). ``profile``: a file for a cProfile of the bot's
    process during the burst (until every press is acknowledged)."""
    from bot.sandbox.discord import RouteLimit
    from bot.sandbox.process import BotProcess
    from bot.sandbox.serve import SandboxServer
    from bot.sandbox.world import world_limits

    limits = world_limits()
    limits.routes["POST /users/@me/channels"] = RouteLimit(1000, 1.0)  # setting up is not what is measured
    schema = None
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if url.startswith("postgresql"):
            schema = await _create_schema(url)
        server = SandboxServer(limits=limits, programme_overrides={"digest": {"enabled": False}},
                               dispatch_interval_seconds=1)
        bot: BotProcess | None = None
        try:
            await server.start()
            spec = server.process_spec(url, schema=schema)
            spec.baseline, spec.pacing_override, spec.profile_path = not tuned, BENCH_PACING, profile
            bot = BotProcess("bench-bot", spec, Path(tmp))
            await bot.start(timeout=120)
            result = await _run(server, bot, url, schema, people, timeout, over)
            result["tuned"] = tuned
            result["bot_runtime"] = _runtime_of(bot.runtime)
            return result
        finally:
            if bot is not None:
                await bot.stop()
            await server.stop()
            if schema is not None:
                await _drop_schema(url, schema)


def _runtime_of(described: str) -> str:
    """The bot process's event loop and JSON library (:func:`bot.event_loop.describe`): "uvloop + orjson"."""
    found = re.search(r"event loop: (\S+); JSON: (\S+)", described)
    return f"{found[1]} + {found[2]}" if found else "unknown"


async def _create_schema(url: str) -> str:
    from sqlalchemy import text

    from storage.db import create_engine

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    return schema


async def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import text

    from storage.db import create_engine

    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()


async def _wait(predicate: Any, timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench set-up: {what} took longer than {timeout:.0f} s")
        await asyncio.sleep(0.05)


async def _settle(server: Any, timeout: float) -> None:  # noqa: ASYNC109
    """Until the bot has sent nothing to the local Discord for half a second (its work after the
    acknowledgements is done), at most ``timeout``."""
    deadline = time.monotonic() + timeout
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(server.discord.log.rest)
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            return
        await asyncio.sleep(0.05)


def _latest_buttons(state: Any, prefix: str) -> dict[int, tuple[Any, dict[str, Any]]]:
    """For each person, the newest bot message in their DM with a button whose custom_id starts with ``prefix``
    (one pass over the messages: waiting on 1,000 people must not itself load the event loop)."""
    from bot.sandbox.discord.actors import walk_components

    user_of_dm = {channel_id: user_id for user_id, channel_id in state.dm_channels.items()}
    found: dict[int, tuple[Any, dict[str, Any]]] = {}
    for message in sorted(state.messages.values(), key=lambda m: m.id, reverse=True):
        user_id = user_of_dm.get(message.channel_id)
        if user_id is None or user_id in found or message.author_id != state.bot_user.id:
            continue
        for comp in walk_components(message.components):
            if comp.get("type") == 2 and str(comp.get("custom_id", "")).startswith(prefix):
                found[user_id] = (message, comp)
                break
    return found


async def _wait_for_buttons(state: Any, user_ids: list[int], prefix: str, timeout: float,  # noqa: ASYNC109
                            what: str, bot: Any) -> dict[int, tuple[Any, dict[str, Any]]]:
    deadline = time.monotonic() + timeout
    while True:
        found = _latest_buttons(state, prefix)
        if all(uid in found for uid in user_ids):
            return found
        if not bot.alive:
            raise RuntimeError(f"bench set-up: the bot process ended: {bot.tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench set-up: {what} took longer than {timeout:.0f} s")
        await asyncio.sleep(0.5)


def process_cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) an OS process has used so far (Linux ``/proc``; ``nan`` elsewhere)."""
    if pid is None:
        return math.nan
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def arrival_offsets(count: int, over: float, seed: int = 0) -> list[float]:
    """When each press arrives, in seconds from the start: all at 0 (``over`` = 0), or a Poisson process
    over ``over`` seconds (sorted uniform random instants)."""
    if over <= 0:
        return [0.0] * count
    rng = random.Random(seed)
    return sorted(rng.uniform(0.0, over) for _ in range(count))


async def _programme_id(url: str, schema: str | None) -> int:
    from sqlmodel import select

    from storage.db import create_engine, session_factory
    from storage.models import Programme

    engine = create_engine(url, schema=schema)
    try:
        async with session_factory(engine)() as s:
            found = (await s.exec(select(Programme.id))).one()
            assert found is not None
            return found
    finally:
        await engine.dispose()


async def _seed_checkins(server: Any, url: str, schema: str | None, count: int) -> None:
    from bot.nudges.bench import seed_checkins
    from storage.db import create_engine, session_factory

    programme_id = await _programme_id(url, schema)
    engine = create_engine(url, schema=schema)
    try:
        await seed_checkins(session_factory(engine), server.discord, programme_id, server.clock.now(), count)
    finally:
        await engine.dispose()


async def _run(server: Any, bot: Any, url: str, schema: str | None, people: int, timeout: float,  # noqa: ASYNC109
               over: float) -> dict[str, Any]:
    setup_timeout = max(timeout, 300.0)  # setting up is not measured: a loaded machine may take long
    from bot.sandbox.discord import actors
    from bot.sandbox.discord.model import InteractionType

    state = server.discord.state
    checkins, interviews = people // 2, people - people // 2
    setup_started = time.perf_counter()

    joiners = [server.discord.person(f"Bench joiner {i:04d}") for i in range(interviews)]
    interview_buttons: dict[int, tuple[Any, dict[str, Any]]] = {}
    for start in range(0, interviews, SETUP_BATCH):  # in batches: a loaded machine must not time the set-up out
        batch = joiners[start:start + SETUP_BATCH]
        for persona in batch:
            await persona.join(server.guild)
        interview_buttons = await _wait_for_buttons(state, [p.id for p in batch], "onb:", setup_timeout,
                                                    f"{len(batch)} first interview questions", bot)

    before = set(state.users)
    if checkins:
        await _seed_checkins(server, url, schema, checkins)  # the bot's dispatcher sends them within a second
    checkers = [u for uid, u in state.users.items() if uid not in before]
    checkin_buttons = await _wait_for_buttons(state, [u.id for u in checkers], "nudge:met:", setup_timeout,
                                              f"{checkins} check-in messages", bot)
    await _settle(server, 30)  # the set-up's last messages sent before the burst starts
    setup_s = time.perf_counter() - setup_started

    presses: list[tuple[str, Any]] = []
    found = [("interview", p.user, interview_buttons.get(p.id)) for p in joiners] + \
        [("check-in", u, checkin_buttons.get(u.id)) for u in checkers]
    random.Random(0).shuffle(found)  # check-ins and interview answers mixed, the same order every run
    offsets = arrival_offsets(len(found), over)
    server.discord.strict = False  # Discord's cost, not the bot's (see the module's docstring)
    load_before = os.getloadavg()[0]
    gc.collect()  # the local Discord's heap (everyone's state) is frozen: its collections are not the bot's cost
    gc.freeze()
    profiling = bot.spec.profile_path is not None
    if profiling:
        bot.signal(signal.SIGUSR1)
        await asyncio.sleep(0.2)
    bot_cpu_started, discord_cpu_started = process_cpu_s(bot.pid), time.process_time()
    burst_started = time.monotonic()
    if not over:  # the same instant: all built, then sent back to back (see actors.start_interactions)
        batch = []
        for _kind, user, hit in found:
            assert hit is not None
            message, comp = hit
            batch.append((user, InteractionType.MESSAGE_COMPONENT, state.channels[message.channel_id],
                          actors.component_data(comp), message))
        presses = list(zip((kind for kind, _, _ in found), actors.start_interactions(state, batch), strict=True))
    for offset, (kind, user, hit) in zip(offsets, found, strict=True) if over else ():
        assert hit is not None
        await asyncio.sleep(max(0.0, burst_started + offset - time.monotonic()))
        message, comp = hit
        channel = state.channels[message.channel_id]
        presses.append((kind, actors.start_interaction(state, user, InteractionType.MESSAGE_COMPONENT, channel,
                                                       actors.component_data(comp), message)))
    try:  # a response after 3 s is refused (as Discord does) but its time is still measured
        await _wait(lambda: all(i.responded_mono or i.late_mono for _, i in presses), timeout, "the answers")
    except TimeoutError:
        pass  # never answered at all: an infinite wait
    burst_s = time.monotonic() - burst_started
    bot_burst_cpu_s = process_cpu_s(bot.pid) - bot_cpu_started  # until every press was acknowledged
    discord_burst_cpu_s = time.process_time() - discord_cpu_started
    if profiling:
        bot.signal(signal.SIGUSR2)
    gc.unfreeze()
    try:  # every person's answer (the next question, the check-in's reply) ...
        await _wait(lambda: all(i.answered_mono for _, i in presses), timeout, "the answers")
    except TimeoutError:
        pass  # never answered: an infinite wait
    await _settle(server, timeout)  # ... and anything else the work sends, before the bot stops
    work_s = time.monotonic() - burst_started
    bot_cpu_s = process_cpu_s(bot.pid) - bot_cpu_started  # the acknowledgements and the work after them
    discord_cpu_s = time.process_time() - discord_cpu_started

    out: dict[str, Any] = {"people": people, "check_ins": checkins, "interview_answers": interviews,
                           "database": "postgresql" if schema else "sqlite", "arrivals_over_s": over,
                           "arrivals": "poisson" if over > 0 else "same instant"}
    for label, kinds in (("all", ("interview", "check-in")), ("check-in", ("check-in",)),
                         ("interview", ("interview",))):
        waits = [(i.responded_mono or i.late_mono or math.inf) - i.created_mono for k, i in presses if k in kinds]
        prefix = "" if label == "all" else f"{label}_"
        out[f"{prefix}first_response_p50_ms"] = round(_percentile(waits, 0.50) * 1000, 1)
        out[f"{prefix}first_response_p99_ms"] = round(_percentile(waits, 0.99) * 1000, 1)
        out[f"{prefix}first_response_max_ms"] = round(max(waits) * 1000, 1) if waits else float("nan")
        out[f"{prefix}missed_3s_window"] = sum(1 for w in waits if w > DISCORD_WINDOW_S)
    # what the person waits for after the acknowledgement: the bot's answer (the next question, the check-in's
    # reply), from their press; none within the bench's wait counts as an infinite wait
    answers = [(i.answered_mono or math.inf) - i.created_mono for _, i in presses]
    out["answer_p50_ms"] = round(_percentile(answers, 0.50) * 1000, 1)
    out["answer_p99_ms"] = round(_percentile(answers, 0.99) * 1000, 1)
    out["answer_max_ms"] = round(max(answers) * 1000, 1) if answers else float("nan")
    p99 = out["first_response_p99_ms"] / 1000
    out["p99_within_discord_3s"] = p99 <= DISCORD_WINDOW_S and out["missed_3s_window"] == 0
    out["p99_within_300ms_target"] = p99 <= TARGET_S
    out["p99_share_of_discord_window"] = round(p99 / DISCORD_WINDOW_S, 3)
    out["burst_s"] = round(burst_s, 2)
    out["bot_burst_cpu_ms_per_interaction"] = round(bot_burst_cpu_s * 1000 / max(1, len(presses)), 2)
    out["bot_cpu_ms_per_interaction"] = round(bot_cpu_s * 1000 / max(1, len(presses)), 2)
    out["local_discord_cpu_ms_per_interaction"] = round(discord_cpu_s * 1000 / max(1, len(presses)), 2)
    # the local Discord is one process: it handles the callbacks one after another (Discord's fleet does not), so
    # its CPU during the burst is a floor under the last response of a same-instant burst
    out["local_discord_burst_cpu_ms"] = round(discord_burst_cpu_s * 1000, 1)
    out["all_work_done_s"] = round(work_s, 2)
    out["load_average_1min"] = round(max(load_before, os.getloadavg()[0]), 2)
    out["setup_s"] = round(setup_s, 1)
    return out
