"""A cluster of real bot OS processes on one sandbox (served by this test process) and one PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import signal
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.sandbox.process import BotProcess
from bot.sandbox.serve import SandboxServer
from bot.services.nudges import NudgeService
from tests.support.reliability import Database

log = logging.getLogger(__name__)

# generous pacing: two processes share Discord's 50 requests/s; the local Discord answers 429s beyond it
ABANDONED_AFTER_S = 8.0
# importing the bot alone takes ~30 s on a 2-core machine shared with other test runs: a start may take minutes
START_TIMEOUT_S = 150.0
# how long a claim may be held before any process releases it (NudgeService's and SurveyService's stale_after)
STALE_AFTER = NudgeService.stale_after
# each claim of a scheduled DM followed in the processes' logs (explain_nudges shows a stuck one's story)
LOG_LEVELS = {"bot.services.scheduled_dms": "DEBUG"}
CLUSTER_PACING = {"messages_per_second": 40.0, "burst": 5, "new_dms_per_minute": 600, "new_dm_burst": 40}


class Cluster:
    """``processes`` bot processes with the shards split between them (process 0 has shard 0: every DM)."""

    def __init__(self, server: SandboxServer, db: Database, workdir: Path, *, processes: int = 2) -> None:
        self.server = server
        self.db = db
        self.workdir = workdir
        self.bots = [
            BotProcess(f"bot{i}", server.process_spec(db.url, schema=db.schema, shard_ids=ids), workdir)
            for i, ids in enumerate(server.split_shards(processes))
        ]
        for b in self.bots:
            b.spec.log_levels = dict(LOG_LEVELS)
        self.events: list[str] = []
        self._claim_seen: dict[tuple[Any, ...], float] = {}
        self._sent_seen = -1

    async def start(self) -> None:
        await asyncio.gather(*(self.start_bot(b) for b in self.bots))
        await self.wait_commands()

    async def start_bot(self, bot: BotProcess) -> None:
        """Start one process (and note its pid: a claim names the pid of the process that holds it)."""
        await bot.start(timeout=START_TIMEOUT_S)
        self.events.append(f"{self.server.clock.now():%m-%d %H:%M:%S} started {bot.name} pid {bot.pid}")

    async def wait_commands(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        guild = self.server.guild
        assert guild is not None
        deadline = time.monotonic() + timeout
        while self.server.discord.state.find_command("join", guild.id) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the bot never registered its commands")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        await asyncio.gather(*(b.stop() for b in self.bots))

    def live_pids(self) -> set[int]:
        return {b.pid for b in self.bots if b.pid is not None}

    async def ensure_all_running(self) -> None:
        for b in self.bots:
            if not b.alive:
                await self.start_bot(b)

    async def advance(self, delta: timedelta, *, wait_s: float = 0.25) -> None:
        """Move the shared sandbox clock and wait until every running process has read it (their RemoteClocks
        ask every 0.1 s), or ``wait_s`` at most (a process still starting reads it once it is up). The clock
        moves between requests to the local Discord, never while one is being answered (a send held there
        while days pass would come out of Discord's nonce window, after another process took the check-in over
        and sent it: a double no real process can make, see SandboxDiscord.jump_clock)."""
        moved_to = await self.server.discord.jump_clock(delta)
        deadline = time.monotonic() + wait_s
        told = self.server.clock_told
        while any(pid not in told or told[pid] < moved_to for pid in self.live_pids()):
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.01)

    async def scalar(self, sql: str, **params: Any) -> Any:
        rows = await self.rows(sql, **params)
        return rows[0][0] if rows else None

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Read (retried for a while: the test rides out a PostgreSQL restart too)."""
        for attempt in range(100):
            try:
                async with self.db.engine.connect() as conn:
                    return list((await conn.execute(text(sql), params)).all())
            except (DBAPIError, OSError):
                if attempt == 99:
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    async def settle_nudges(self, timeout: float = 120.0, *,  # noqa: ASYNC109
                            abandoned_after: float = ABANDONED_AFTER_S) -> None:
        """Wait until nothing is due, no claim is stale and no live process holds a claim it is still working on.

        A stale claim (held ``STALE_AFTER`` on the sandbox clock: its process died, or its live process gave up
        on it) is outstanding work: a live process must release it and take it over — the dead process's claims
        too, or the test would move on (or end) before they are taken over. Only once settled may the clock jump
        again: the stale-claim release is measured on the sandbox clock, and a jump must not declare a live
        process's in-flight claim stale."""
        deadline = time.monotonic() + timeout
        while True:
            now = self.server.clock.now()
            due = await self.scalar(
                "SELECT count(*) FROM nudge WHERE status = 'pending' AND due_at <= :now", now=now)
            # a claim is (id, worker, attempt): a worker that claims the same nudge again holds a new claim
            claims = await self.rows("SELECT id, claimed_by, attempts, claimed_at FROM nudge WHERE status = 'claimed'")
            sent = await self.scalar("SELECT count(*) FROM nudge WHERE status = 'sent'")
            live = self.live_pids()
            t = time.monotonic()
            if sent != self._sent_seen:  # still sending (slowly, on a loaded machine): no claim is abandoned yet
                self._sent_seen = sent
                self._claim_seen.update({(i, c, n): t for (i, c, n, _) in claims})
            for i, c, n, _ in claims:  # a claim held this long with nothing sent meanwhile is abandoned (its send
                self._claim_seen.setdefault((i, c, n), t)  # failed): it must go stale
            stale = [i for (i, _, _, at) in claims if at is None or at <= now - STALE_AFTER]
            busy = [c for (i, c, n, _) in claims if c and _pid_of(c) in live
                    and t - self._claim_seen[(i, c, n)] < abandoned_after]
            if not due and not stale and not busy:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nudges did not settle: {due} due, {len(stale)} stale claims not taken over "
                                   f"{stale[:20]}, {len(busy)} claimed by live processes\n"
                                   + await self.explain_nudges(sorted(stale)[:20]))
            await asyncio.sleep(0.1)

    async def explain_nudges(self, nudge_ids: list[int], *, lines: int = 40) -> str:
        """What happened to ``nudge_ids`` (stuck ones): their rows, the processes' starts and kills, every log
        line that names them, and where each live process's tasks wait now (CI shows only the assertion)."""
        if not nudge_ids:
            return ""
        rows = await self.rows("SELECT id, status, due_at, claimed_by, claimed_at, attempts, last_error FROM nudge "
                               "WHERE id = ANY(:ids) ORDER BY id", ids=list(nudge_ids))
        out = [f"sandbox clock now {self.server.clock.now()}", *(f"row {tuple(r)}" for r in rows), *self.events]
        for b in self.bots:  # each live process logs where its tasks wait (a hung send, a held lock)
            b.signal(signal.SIGHUP)
        await asyncio.sleep(1.0)
        wanted = re.compile(r"\b(" + "|".join(str(i) for i in nudge_ids) + r")\b")
        for b in self.bots:
            if not b.log_path.exists():
                continue
            text = b.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
            hits = [line for line in text if "nudge" in line and wanted.search(line)]
            out.append(f"--- {b.name} (pid {b.pid}): {len(hits)} log lines name them, the last {lines}:")
            out += hits[-lines:]
            dumps = [i for i, line in enumerate(text) if "tasks of process" in line]
            if dumps:
                out += [line for line in text[dumps[-1]:] if "scheduled_dms" in line or "tasks of process" in line
                        or "dispatch" in line]
        return "\n".join(out)


def _pid_of(worker: str) -> int | None:
    parts = worker.split(":")
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


class Chaos:
    """Kills a random bot process with SIGKILL at random moments and starts it again."""

    def __init__(self, cluster: Cluster, rng: random.Random, *, every: tuple[float, float] = (1.5, 4.0),
                 down: tuple[float, float] = (0.2, 1.5)) -> None:
        self.cluster = cluster
        self.rng = rng
        self.every = every
        self.down = down
        self.kills = 0
        self._task: asyncio.Task[None] | None = None
        self._restart: asyncio.Task[None] | None = None
        self._paused = asyncio.Event()
        self._paused.set()

    def start(self) -> Chaos:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="chaos")
        return self

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(*self.every))
            await self._paused.wait()
            victim = self.rng.choice(self.cluster.bots)
            pid = victim.pid
            victim.kill()
            self.kills += 1
            await victim.wait()
            self.cluster.events.append(f"{self.cluster.server.clock.now():%m-%d %H:%M:%S} killed {victim.name} pid {pid}")
            await asyncio.sleep(self.rng.uniform(*self.down))
            self._restart = asyncio.get_running_loop().create_task(self.cluster.start_bot(victim))
            await asyncio.shield(self._restart)  # stop() waits for it: a process half started is not "running"

    async def stop(self) -> None:
        """Stop killing; every process is running again afterwards."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._restart is not None:
            await self._restart  # until it is ready (ensure_all_running would take it as running already)
        await self.cluster.ensure_all_running()
