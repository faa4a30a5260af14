"""The sandboxes as a server for bot OS processes: the local Discord (serving several shard connections),
the local X, one shared sandbox clock, a guild set up for a programme, and optional random faults.

    python -m bot.sandbox.serve --shard-count 4 --spec-dir ./cluster --database-url postgresql://…

prints the URLs and writes one :class:`~bot.sandbox.process.ProcessSpec` per process, then serves until
SIGTERM. The reliability suite runs the same :class:`SandboxServer` inside the test process.

Control endpoints on the local Discord's port:

* ``GET /_sandbox/clock`` → ``{"now": iso}``; ``POST /_sandbox/clock`` with ``{"advance_seconds": n}`` or
  ``{"to": iso}`` moves it forward (never back).
* ``GET /_sandbox/world`` → the guild id, the URLs and the bot config for a bot process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import SandboxClock
from bot.sandbox.discord import Channel, Guild, Limits, Overwrite, Role, SandboxDiscord
from bot.sandbox.discord import permissions as perm
from bot.sandbox.discord.limits import Fault, Faults
from bot.sandbox.people import Persona
from bot.sandbox.process import ProcessSpec
from bot.sandbox.world import SANDBOX_PACING, programme_table, world_limits
from bot.sandbox.x import SandboxX

JSON = dict[str, Any]
CLUSTER_START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


@dataclass
class FaultRates:
    """Chances, per REST request, of a 5xx, a slow answer (a timeout for a 3-second interaction ack) and a
    429; and how often (seconds) every gateway connection is dropped (0: never)."""

    server_error: float = 0.0
    slow: float = 0.0
    rate_limit: float = 0.0
    drop_gateway_every: float = 0.0
    slow_seconds: tuple[float, float] = (0.5, 3.5)
    seed: int = 0

    @classmethod
    def uniform(cls, rate: float, *, seed: int = 0, drop_gateway_every: float = 0.0) -> FaultRates:
        """``rate`` split between 5xx, slow answers and 429s."""
        return cls(server_error=rate / 3, slow=rate / 3, rate_limit=rate / 3, drop_gateway_every=drop_gateway_every,
                   seed=seed)


class RandomFaults(Faults):
    """Explicitly queued faults first (:class:`Faults`), then random ones at the configured rates."""

    def __init__(self, rates: FaultRates) -> None:
        super().__init__()
        self.rates = rates
        self.rng = random.Random(rates.seed)
        self.random_fired = 0

    def take(self, method: str, path: str) -> Fault | None:
        queued = super().take(method, path)
        if queued is not None:
            return queued
        r, x = self.rates, self.rng.random()
        fault: Fault | None = None
        if x < r.server_error:
            fault = Fault("status", None, None, 1, status=self.rng.choice([500, 502, 503]))
        elif x < r.server_error + r.slow:
            fault = Fault("delay", None, None, 1, delay=self.rng.uniform(*r.slow_seconds))
        elif x < r.server_error + r.slow + r.rate_limit:
            fault = Fault("rate_limit", None, None, 1, status=429, retry_after=round(self.rng.uniform(0.05, 0.5), 3))
        if fault is not None:
            fault.hits = 1
            self.fired.append(fault)
            self.random_fired += 1
        return fault


class SandboxServer:
    """One shared sandbox (Discord + X + clock) for several bot processes."""

    def __init__(
        self,
        *,
        start: datetime = CLUSTER_START,
        shard_count: int = 1,
        limits: Limits | None = None,
        preset: str = "edumentoring",
        programme_key: str = "edu",
        programme_overrides: dict[str, Any] | None = None,
        pacing: dict[str, Any] | None = None,
        dispatch_interval_seconds: int = 1,
        faults: FaultRates | None = None,
    ) -> None:
        self.clock = SandboxClock(start)
        self.discord = SandboxDiscord(clock=self.clock, limits=limits or world_limits(),
                                      recommended_shards=shard_count)
        if faults is not None:
            self.discord.faults = RandomFaults(faults)
        self.fault_rates = faults
        self.x = SandboxX(self.clock)
        self.shard_count = shard_count
        self.preset = preset
        self.programme_key = programme_key
        self.programme_overrides = programme_overrides or {}
        self.pacing = pacing or SANDBOX_PACING
        self.dispatch_interval_seconds = dispatch_interval_seconds
        self.guild: Guild | None = None
        self.organisers: Role | None = None
        self.onboarding_channel: Channel | None = None
        self.organisers_channel: Channel | None = None
        self.organiser: Persona | None = None
        self._dropper: asyncio.Task[None] | None = None
        #: the time each process (by pid, as ``GET /_sandbox/clock?reader=PID`` says) was last told
        self.clock_told: dict[int, datetime] = {}
        self.discord.app.router.add_get("/_sandbox/clock", self._get_clock)
        self.discord.app.router.add_post("/_sandbox/clock", self._post_clock)
        self.discord.app.router.add_get("/_sandbox/world", self._get_world)

    # ---- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> SandboxServer:
        await self.discord.start()
        await self.x.start()
        await self._build_world()
        if self.fault_rates is not None and self.fault_rates.drop_gateway_every > 0:
            self._dropper = asyncio.get_running_loop().create_task(self._drop_gateway_now_and_then())
        return self

    async def stop(self) -> None:
        if self._dropper is not None:
            self._dropper.cancel()
        await self.discord.stop()
        await self.x.stop()

    def set_faults(self, rates: FaultRates | None) -> None:
        """Turn random faults on (or off with ``None``) while running."""
        self.fault_rates = rates
        self.discord.faults = RandomFaults(rates) if rates is not None else Faults()
        if rates is not None and rates.drop_gateway_every > 0 and self._dropper is None:
            self._dropper = asyncio.get_running_loop().create_task(self._drop_gateway_now_and_then())

    async def _drop_gateway_now_and_then(self) -> None:
        while True:
            rates = self.fault_rates
            await asyncio.sleep(rates.drop_gateway_every if rates and rates.drop_gateway_every > 0 else 1.0)
            if self.fault_rates is not None and self.fault_rates.drop_gateway_every > 0:
                await self.discord.drop_gateway()

    async def _build_world(self) -> None:
        d = self.discord
        guild = d.create_guild("Mentoring community")
        for _ in range(200):  # the DM shard is 0; put the guild on another one, so both kinds of event cross
            if self.shard_count == 1 or self.shard_of(guild.id) != 0:
                break
            await asyncio.sleep(0.001)
            guild = d.create_guild("Mentoring community")
        self.guild = guild
        self.organisers = d.create_role(guild, "Organisers", permissions=perm.MANAGE_GUILD)
        self.onboarding_channel = d.create_text_channel(guild, "onboarding")
        self.organisers_channel = d.create_text_channel(
            guild, "organisers",
            overwrites=[Overwrite(id=guild.id, type=0, deny=perm.VIEW_CHANNEL),
                        Overwrite(id=self.organisers.id, type=0, allow=perm.VIEW_CHANNEL),
                        Overwrite(id=d.bot_user.id, type=1,
                                  allow=perm.VIEW_CHANNEL | perm.SEND_MESSAGES | perm.ATTACH_FILES)],
        )
        self.organiser = d.person("Olu Organiser")
        await self.organiser.join(guild, roles=[self.organisers])

    def shard_of(self, guild_id: int) -> int:
        return (guild_id >> 22) % self.shard_count

    # ---- what a bot process needs -----------------------------------------------------------------
    @property
    def clock_url(self) -> str:
        return f"http://127.0.0.1:{self.discord.port}/_sandbox/clock"

    def bot_config(self) -> JSON:
        """The config (as parsed TOML) of every bot process of this sandbox."""
        assert self.guild is not None
        return {
            "bot": {"log_level": "WARNING", "pacing": dict(self.pacing), "database_url": "sqlite:///unused.db",
                    "dispatch_interval_seconds": self.dispatch_interval_seconds},
            "programme": [programme_table(self.programme_key, self.guild.id, self.preset, **self.programme_overrides)],
        }

    def process_spec(self, database_url: str, *, schema: str | None = None, shard_ids: list[int] | None = None,
                     log_level: str = "WARNING") -> ProcessSpec:
        return ProcessSpec(
            discord_base_url=self.discord.base_url, gateway_url=self.discord.gateway_url, token=self.discord.token,
            clock_url=self.clock_url, database_url=database_url, schema=schema, config=self.bot_config(),
            x_base_url=self.x.base_url, x_credentials=dict(self.x.credentials),
            shard_ids=shard_ids, shard_count=self.shard_count if shard_ids is not None else None, log_level=log_level,
        )

    def split_shards(self, processes: int) -> list[list[int]]:
        """Shard ids per process: process 0 gets shard 0 (every DM), the guild's shard goes to another."""
        assert self.guild is not None
        if processes < 2 or self.shard_count < 2:
            return [list(range(self.shard_count))] * max(1, processes)
        guild_shard = self.shard_of(self.guild.id)
        rest = [s for s in range(1, self.shard_count) if s != guild_shard]
        out: list[list[int]] = [[0]] + [[] for _ in range(processes - 1)]
        out[1].append(guild_shard)
        for i, s in enumerate(rest):
            out[(i + 1) % processes].append(s)  # start with process 1 so process 0 is not the busiest
        return [sorted(ids) for ids in out]

    # ---- clock and world over HTTP ----------------------------------------------------------------
    async def _get_clock(self, request: web.Request) -> web.Response:
        now = self.clock.now()
        reader = request.query.get("reader", "")
        if reader.isdigit():
            self.clock_told[int(reader)] = now
        return _json({"now": now.isoformat()})

    async def _post_clock(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        if "advance_seconds" in body:
            self.clock.advance(timedelta(seconds=float(body["advance_seconds"])))
        elif "to" in body:
            self.clock.advance_to(datetime.fromisoformat(str(body["to"])))
        return _json({"now": self.clock.now().isoformat()})

    async def _get_world(self, request: web.Request) -> web.Response:
        assert self.guild is not None
        return _json({"guild_id": str(self.guild.id), "discord_base_url": self.discord.base_url,
                      "gateway_url": self.discord.gateway_url, "clock_url": self.clock_url,
                      "x_base_url": self.x.base_url, "shard_count": self.shard_count, "config": self.bot_config()})


def _json(data: JSON) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


async def serve(args: argparse.Namespace) -> None:
    rates = FaultRates.uniform(args.fault_rate, seed=args.seed) if args.fault_rate > 0 else None
    server = await SandboxServer(shard_count=args.shard_count, faults=rates).start()
    out = _mkdir(Path(args.spec_dir))
    specs = []
    for i, shard_ids in enumerate(server.split_shards(args.processes)):
        spec = server.process_spec(args.database_url, shard_ids=shard_ids if args.shard_count > 1 else None)
        specs.append(str(spec.write(out / f"bot-{i}.json")))
    print(json.dumps({"discord": server.discord.base_url, "gateway": server.discord.gateway_url,
                      "clock": server.clock_url, "x": server.x.base_url, "specs": specs}, indent=1), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--shard-count", type=int, default=4)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default="sqlite+aiosqlite:///./sandbox-cluster.db")
    parser.add_argument("--spec-dir", default="sandbox-cluster")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    asyncio.run(serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
