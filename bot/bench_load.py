"""``python -m bot bench load``: many members join at once; how long until each gets their first question,
does the new-DM pacing hold, and how late does the event loop run meanwhile.

The real bot runs against the local Discord in this process (one event loop: the lag measured is the
bot's plus the local Discord's, an upper bound on the bot's own). Time to the first question is real time;
the pacer spaces the opening of new DM channels (``new_dms_per_minute``), so with the sandbox pacing of 600
per minute 1,000 joins take about 100 s to answer — by design.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

from bot.sandbox.world import SANDBOX_PACING, SandboxWorld

DM_PATH = "/users/@me/channels"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _peak_in_window(times: list[float], window: float) -> int:
    """The most events within any ``window`` seconds."""
    best, q = 0, deque[float]()
    for t in sorted(times):
        q.append(t)
        while q[0] < t - window:
            q.popleft()
        best = max(best, len(q))
    return best


class _LoopLag:
    """How late ``asyncio.sleep(interval)`` wakes up, sampled all along."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, loop.time() - t - self.interval))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass


async def bench_load(
    members: int = 1000,
    *,
    database_url: str | None = None,
    schema: str | None = None,
    timeout: float | None = None,  # noqa: ASYNC109
) -> dict[str, Any]:
    """``members`` join within one sandbox minute; returns the numbers (see the module docstring)."""
    pacing = SANDBOX_PACING
    if timeout is None:
        timeout = 60.0 + members * 60.0 / float(pacing["new_dms_per_minute"]) * 1.5
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'load.db'}"
        world = SandboxWorld(database_url=url, schema=schema)
        await world.start()
        try:
            return await _run(world, members, timeout, pacing)
        finally:
            await world.stop()


async def _run(world: SandboxWorld, members: int, timeout: float, pacing: dict[str, Any]) -> dict[str, Any]:  # noqa: ASYNC109
    assert world.guild is not None
    state = world.discord.state
    bot_id = state.bot_user.id
    people = [world.person(f"Load {i:04d}") for i in range(members)]
    wanted = {p.id for p in people}
    joined_at: dict[int, float] = {}
    first_at: dict[int, float] = {}
    lag = _LoopLag()
    lag.start()
    dm_log_start = len(world.discord.log.rest)
    started = time.monotonic()
    sandbox_start = world.clock.now()
    for i, persona in enumerate(people):
        await persona.join(world.guild)
        joined_at[persona.id] = time.monotonic()
        if i % 50 == 49:
            await asyncio.sleep(0)  # let the bot read its gateway while people keep joining
    join_span = (world.clock.now() - sandbox_start).total_seconds()
    scanned = 0
    deadline = time.monotonic() + timeout
    while len(first_at) < members and time.monotonic() < deadline:
        ids = list(state.messages)
        now = time.monotonic()
        for mid in ids[scanned:]:
            msg = state.messages[mid]
            if msg.author_id != bot_id:
                continue
            channel = state.channels.get(msg.channel_id)
            if channel is None or channel.guild_id is not None:
                continue
            for uid in channel.recipients:
                if uid in wanted and uid not in first_at:
                    first_at[uid] = now
        scanned = len(ids)
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    await lag.stop()
    waits = [first_at[u] - joined_at[u] for u in first_at]
    dm_times = [(r.t - sandbox_start).total_seconds() for r in world.discord.log.rest[dm_log_start:]
                if r.method == "POST" and r.path == DM_PATH and r.status == 200]
    limit, burst = int(pacing["new_dms_per_minute"]), int(pacing["new_dm_burst"])
    peak_minute = _peak_in_window(dm_times, 60.0)
    peak_10s = _peak_in_window(dm_times, 10.0)
    lags_ms = [s * 1000 for s in lag.samples]
    return {
        "members": members,
        "join_span_sandbox_s": round(join_span, 3),
        "received_first_question": len(first_at),
        "first_question_p50_s": round(_percentile(waits, 0.50), 3),
        "first_question_p99_s": round(_percentile(waits, 0.99), 3),
        "first_question_max_s": round(max(waits), 3) if waits else float("nan"),
        "new_dms_opened": len(dm_times),
        "new_dms_per_minute_limit": limit,
        "new_dm_peak_per_minute": peak_minute,
        "new_dm_peak_per_10s": peak_10s,
        "pacing_held": peak_minute <= limit + burst and peak_10s <= limit / 6 + burst,
        "loop_lag_p50_ms": round(_percentile(lags_ms, 0.50), 2),
        "loop_lag_p99_ms": round(_percentile(lags_ms, 0.99), 2),
        "loop_lag_max_ms": round(max(lags_ms), 2) if lags_ms else 0.0,
        "loop_lag_mean_ms": round(statistics.fmean(lags_ms), 2) if lags_ms else 0.0,
        "elapsed_s": round(elapsed, 2),
    }
