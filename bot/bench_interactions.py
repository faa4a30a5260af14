"""``python -m bot bench interactions``: many people press buttons at once — half a check-in button ("We've
met"), half the first answer of their interview — and each interaction's time from its arrival to the bot's
first response (the acknowledgement Discord wants within 3 s) is measured: p50, p99, max, against Discord's
3 s window and a 300 ms target. A response after 3 s is refused by the local Discord as by Discord (the
person saw "This interaction failed"); it counts in ``missed_3s_window`` and its time is still measured. An
interaction never answered within the bench's ``timeout`` counts as an infinite wait.

The real bot runs against the local Discord in this process (one event loop), on SQLite or on PostgreSQL (a
fresh schema, dropped afterwards). "Arrival" is when the local Discord creates the interaction and sends
INTERACTION_CREATE; "first response" is when its callback request reaches the local Discord: the time
includes the gateway and REST hops on this machine, so it is an upper bound on the bot's own time.
Setting up (people joining and getting their first question, check-ins being sent) is not measured.

The local Discord's own checks of every request and answer against Discord's OpenAPI document (proven in the
test suite) are Discord's cost, not the bot's: they are off during the burst. The process's CPU time during the
burst is reported per interaction, next to the machine's load average: on a shared machine the wall-clock
times grow with the load, the CPU cost does not.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bot.bench_load import _percentile

DISCORD_WINDOW_S = 3.0
TARGET_S = 0.3
SETUP_BATCH = 100
__all__ = ["DISCORD_WINDOW_S", "TARGET_S", "bench_interactions"]


async def bench_interactions(
    people: int = 1000, *, database_url: str | None = None, timeout: float = 120.0,  # noqa: ASYNC109
    over: float = 0.0, tuned: bool = True,
) -> dict[str, Any]:
    """``people`` press (half check-ins, half interview answers) in the same instant, or spread evenly over
    ``over`` seconds; the numbers. ``tuned=False`` is the baseline: discord.py's defaults (a new connection
    for every concurrent request) and no acknowledgements-first ordering (:mod:`bot.ack_first`)."""
    from bot.app import MentorBot
    from bot.sandbox.discord import RouteLimit
    from bot.sandbox.world import SandboxWorld, world_limits

    limits = world_limits()
    limits.routes["POST /users/@me/channels"] = RouteLimit(1000, 1.0)  # setting up is not what is measured
    schema = None
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        if url.startswith("postgresql"):
            schema = await _create_schema(url)
        world = SandboxWorld(database_url=url, schema=schema, limits=limits,
                             programme_overrides={"digest": {"enabled": False}})
        default_connections = MentorBot.rest_connections
        try:
            if not tuned:
                MentorBot.rest_connections = 0
            await world.start()
            if not tuned:
                world.bot.acks.enabled = False
            result = await _run(world, people, timeout, over)
            result["tuned"] = tuned
            return result
        finally:
            MentorBot.rest_connections = default_connections
            await world.stop()
            if schema is not None:
                await _drop_schema(url, schema)


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


async def _settle(world: Any, timeout: float) -> None:  # noqa: ASYNC109
    """Until the bot has sent nothing to the local Discord for half a second (its work after the
    acknowledgements is done), at most ``timeout``."""
    deadline = time.monotonic() + timeout
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(world.discord.log.rest)
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            return
        await asyncio.sleep(0.05)


def _latest_buttons(world: Any, prefix: str) -> dict[int, tuple[Any, dict[str, Any]]]:
    """For each person, the newest bot message in their DM with a button whose custom_id starts with ``prefix``
    (one pass over the messages: waiting on 1,000 people must not itself load the event loop)."""
    from bot.sandbox.discord.actors import walk_components

    state = world.discord.state
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


async def _wait_for_buttons(world: Any, user_ids: list[int], prefix: str, timeout: float,  # noqa: ASYNC109
                            what: str) -> dict[int, tuple[Any, dict[str, Any]]]:
    deadline = time.monotonic() + timeout
    while True:
        found = _latest_buttons(world, prefix)
        if all(uid in found for uid in user_ids):
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"bench set-up: {what} took longer than {timeout:.0f} s")
        await asyncio.sleep(0.5)


async def _run(world: Any, people: int, timeout: float, over: float) -> dict[str, Any]:  # noqa: ASYNC109
    setup_timeout = max(timeout, 300.0)  # setting up is not measured: a loaded machine may take long
    from bot.nudges.bench import _seed
    from bot.nudges.config import PacingConfig
    from bot.nudges.pacing import Pacer
    from bot.sandbox.discord import actors
    from bot.sandbox.discord.model import InteractionType

    bot = world.bot
    bot.pacer = Pacer(PacingConfig.model_construct(messages_per_second=45.0, burst=5, new_dms_per_minute=100_000,
                                                   new_dm_burst=1000))
    bot.scheduler.pause()  # the check-ins are sent once, driven here
    state = world.discord.state
    checkins, interviews = people // 2, people - people // 2
    setup_started = time.perf_counter()

    joiners = [world.person(f"Bench joiner {i:04d}") for i in range(interviews)]
    interview_buttons: dict[int, tuple[Any, dict[str, Any]]] = {}
    for start in range(0, interviews, SETUP_BATCH):  # in batches: a loaded machine must not time the set-up out
        batch = joiners[start:start + SETUP_BATCH]
        for persona in batch:
            await persona.join(world.guild)
        interview_buttons = await _wait_for_buttons(world, [p.id for p in batch], "onb:", setup_timeout,
                                                    f"{len(batch)} first interview questions")

    before = set(state.users)
    if checkins:
        await _seed(world, checkins)
        await bot.tick("nudge-dispatch")
    checkers = [u for uid, u in state.users.items() if uid not in before]
    checkin_buttons = await _wait_for_buttons(world, [u.id for u in checkers], "nudge:met:", setup_timeout,
                                              f"{checkins} check-in messages")
    setup_s = time.perf_counter() - setup_started

    presses: list[tuple[str, Any]] = []
    found = [("interview", p.user, interview_buttons.get(p.id)) for p in joiners] + \
        [("check-in", u, checkin_buttons.get(u.id)) for u in checkers]
    random.Random(0).shuffle(found)  # check-ins and interview answers mixed, the same order every run
    world.discord.strict = False  # Discord's cost, not the bot's (see the module's docstring)
    load_before = os.getloadavg()[0]
    cpu_started = time.process_time()
    burst_started = time.monotonic()
    step = over / max(1, len(found) - 1) if over > 0 else 0.0
    for n, (kind, user, hit) in enumerate(found):  # at once: created back to back, before the bot reads any
        assert hit is not None
        if step:
            await asyncio.sleep(max(0.0, burst_started + n * step - time.monotonic()))
        message, comp = hit
        channel = state.channels[message.channel_id]
        presses.append((kind, actors.start_interaction(state, user, InteractionType.MESSAGE_COMPONENT, channel,
                                                       actors.component_data(comp), message)))
    try:  # a response after 3 s is refused (as Discord does) but its time is still measured
        await _wait(lambda: all(i.responded_mono or i.late_mono for _, i in presses), timeout, "the answers")
    except TimeoutError:
        pass  # never answered at all: an infinite wait
    burst_s = time.monotonic() - burst_started
    cpu_s = time.process_time() - cpu_started
    await _settle(world, timeout)  # the answers after the acknowledgements, before the world stops
    work_s = time.monotonic() - burst_started

    out: dict[str, Any] = {"people": people, "check_ins": checkins, "interview_answers": interviews,
                           "database": "postgresql" if world.schema else "sqlite", "arrivals_over_s": over}
    for label, kinds in (("all", ("interview", "check-in")), ("check-in", ("check-in",)),
                         ("interview", ("interview",))):
        waits = [(i.responded_mono or i.late_mono or math.inf) - i.created_mono for k, i in presses if k in kinds]
        prefix = "" if label == "all" else f"{label}_"
        out[f"{prefix}first_response_p50_ms"] = round(_percentile(waits, 0.50) * 1000, 1)
        out[f"{prefix}first_response_p99_ms"] = round(_percentile(waits, 0.99) * 1000, 1)
        out[f"{prefix}first_response_max_ms"] = round(max(waits) * 1000, 1) if waits else float("nan")
        out[f"{prefix}missed_3s_window"] = sum(1 for w in waits if w > DISCORD_WINDOW_S)
    p99 = out["first_response_p99_ms"] / 1000
    out["p99_within_discord_3s"] = p99 <= DISCORD_WINDOW_S and out["missed_3s_window"] == 0
    out["p99_within_300ms_target"] = p99 <= TARGET_S
    out["p99_share_of_discord_window"] = round(p99 / DISCORD_WINDOW_S, 3)
    out["burst_s"] = round(burst_s, 2)
    out["burst_cpu_ms_per_interaction"] = round(cpu_s * 1000 / max(1, len(presses)), 2)
    out["all_work_done_s"] = round(work_s, 2)
    out["load_average_1min"] = round(max(load_before, os.getloadavg()[0]), 2)
    out["setup_s"] = round(setup_s, 1)
    return out
