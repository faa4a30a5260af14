"""A real bot OS process against a sandbox served elsewhere (``bot.sandbox.serve``): the reliability suite
and cluster rehearsals start two or more of these on one PostgreSQL and kill them at will.

    python -m bot.sandbox.process spec.json      # one process of the cluster, until SIGTERM / SIGKILL

The spec (:class:`ProcessSpec`, JSON) names the sandbox's URLs, the database, the shards and the config.
Product code is pointed at the sandbox only through :mod:`bot.sandbox.connect` (and tweepy through
:mod:`bot.sandbox.x.connect`); the time comes from the serve process's clock (:class:`RemoteClock`), so
nudges fall due in every process at once when the test moves the sandbox clock.

The parent side, :class:`BotProcess`, starts such a process, waits until it is ready, and kills it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class RemoteClock:
    """A :class:`~bot.clock.Clock` that follows a sandbox clock served over HTTP (``GET /_sandbox/clock``).

    ``now()`` never blocks: a background task polls the endpoint every ``poll_seconds`` and ``now()``
    extrapolates from the last reading with the local monotonic clock (the sandbox clock runs at real
    speed between jumps). It never goes backwards.
    """

    def __init__(self, url: str, *, poll_seconds: float = 0.1) -> None:
        self.url = url
        self.poll_seconds = poll_seconds
        self._remote: datetime | None = None
        self._at = 0.0
        self._last: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> RemoteClock:
        """Read the clock once (raises when the server is unreachable) and keep following it."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        await self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="remote-clock")
        return self

    async def refresh(self) -> datetime:
        assert self._session is not None, "RemoteClock.start() first"
        # the reader's pid: the serve process sees which processes have read the clock since it moved
        async with self._session.get(self.url, params={"reader": str(os.getpid())}) as resp:
            resp.raise_for_status()
            data = await resp.json()
        self._remote = datetime.fromisoformat(str(data["now"]))
        self._at = time.monotonic()
        return self.now()

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh()
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                log.debug("remote clock: %s", exc)

    def now(self) -> datetime:
        if self._remote is None:
            raise RuntimeError("RemoteClock.start() first")
        current = self._remote + timedelta(seconds=time.monotonic() - self._at)
        if self._last is not None and current < self._last:
            return self._last
        self._last = current
        return current

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()


@dataclass
class ProcessSpec:
    """Everything one sandbox bot process needs (written as JSON by the parent)."""

    discord_base_url: str
    gateway_url: str
    token: str
    clock_url: str
    database_url: str
    config: dict[str, Any]
    schema: str | None = None
    x_base_url: str | None = None
    x_credentials: dict[str, str] = field(default_factory=dict)
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    ready_file: str | None = None
    log_level: str = "WARNING"
    #: levels of single loggers beyond ``log_level`` (the reliability suite follows each claim in the log)
    log_levels: dict[str, str] = field(default_factory=dict)
    #: ``bench interactions``' baseline: discord.py's defaults (no keep-alive limit, interaction callbacks on
    #: the REST connections, each handler acknowledging on its own) and no acknowledgements-first order
    baseline: bool = False
    #: write a cProfile of the process here, profiling while between SIGUSR1 and SIGUSR2 (``bench --profile``)
    profile_path: str | None = None
    #: the pacer's settings beyond what a config may say (benchmarks: setting up 1,000 DMs is not measured)
    pacing_override: dict[str, Any] | None = None

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> ProcessSpec:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def _x_factory(spec: ProcessSpec, sessions: list[aiohttp.ClientSession]) -> Any:
    if not spec.x_base_url:
        return None
    base_url = spec.x_base_url

    def make() -> Any:
        from tweepy.asynchronous import AsyncClient

        from bot.sandbox.x.connect import connect_async_client

        client = AsyncClient(**spec.x_credentials, wait_on_rate_limit=False)
        sessions.append(connect_async_client(client, base_url))
        return client

    return make


#: how long a process asked to stop may take to close its bot before what is left of its start is cancelled (a
#: shard whose gateway cannot be reached retries its connection for ever, closed or not: discord.py's launch_shard)
STOP_GRACE_S = 5.0


async def run_sandbox_bot(spec: ProcessSpec) -> None:
    """Run one bot process of the cluster against the sandbox until SIGTERM/SIGINT, or until the process that
    started it is gone: at any moment, its start too (the bot closes; what cannot close in
    :data:`STOP_GRACE_S` is cancelled)."""
    from bot import event_loop
    from bot.runtime import build_bot

    log.info("starting: %s", event_loop.describe())
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, _log_tasks, loop)
    orphaned = loop.create_task(_stop_when_orphaned(stopping), name="parent-watch")
    serving = loop.create_task(_serve(spec, stopping, build_bot), name="serve")
    waiter = loop.create_task(stopping.wait(), name="stop")
    try:
        done, _ = await asyncio.wait({serving, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if serving not in done:  # asked to stop: the bot closes if it can, else its start is cancelled
            done, _ = await asyncio.wait({serving}, timeout=STOP_GRACE_S)
            if serving not in done:
                log.warning("the bot did not close within %.0f s of being asked to stop: cancelling its start",
                            STOP_GRACE_S)
                serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        else:
            serving.result()
    finally:
        waiter.cancel()
        orphaned.cancel()


async def _serve(spec: ProcessSpec, stopping: asyncio.Event, build_bot: Any) -> None:
    """Start the bot and serve until ``stopping`` is set; everything it opened is closed however it ends (also
    when cancelled half-way through its start)."""
    from bot import event_loop
    from bot.config import parse_config
    from bot.runtime import open_database
    from bot.sandbox.connect import point_discord_at, sandbox_bot_kwargs

    point_discord_at(spec.discord_base_url, spec.gateway_url)
    x_sessions: list[aiohttp.ClientSession] = []
    clock: RemoteClock | None = None
    engine: Any = None
    try:
        clock = await RemoteClock(spec.clock_url).start()
        settings = parse_config(spec.config)
        engine = await open_database(spec.database_url, schema=spec.schema)
        options: dict[str, Any] = dict(sandbox_bot_kwargs())
        if spec.shard_ids is not None:
            options.update(shard_ids=spec.shard_ids, shard_count=spec.shard_count)
        if spec.baseline:
            from bot.app import MentorBot

            MentorBot.rest_connections, MentorBot.interaction_connections = 0, None
        bot = build_bot(settings, engine, clock=clock, x_client_factory=_x_factory(spec, x_sessions),
                        owns_process=True, **options)
        if spec.baseline:
            bot.acks.enabled = bot.early_acks.enabled = False
        if spec.pacing_override:
            from bot.nudges.config import PacingConfig
            from bot.nudges.pacing import Pacer

            bot.pacer = Pacer(PacingConfig.model_construct(**spec.pacing_override))
        if spec.ready_file:
            ready_file = Path(spec.ready_file)

            async def on_ready() -> None:
                _touch(ready_file, f"{os.getpid()}\n{event_loop.describe()}")

            bot.add_listener(on_ready, "on_ready")
        if spec.profile_path:
            _profile_on_signals(asyncio.get_running_loop(), Path(spec.profile_path))
        if stopping.is_set():
            return
        async with bot:
            runner = asyncio.get_running_loop().create_task(bot.start(spec.token), name="bot")
            waiter = asyncio.get_running_loop().create_task(stopping.wait(), name="stop")
            try:
                done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
                if runner in done:
                    runner.result()
                else:
                    await bot.close()
                    with contextlib.suppress(asyncio.CancelledError):
                        await runner
            finally:
                waiter.cancel()
                runner.cancel()
    finally:
        for session in x_sessions:
            await session.close()
        if clock is not None:
            await clock.close()
        if engine is not None:
            await engine.dispose()


async def _stop_when_orphaned(stopping: asyncio.Event, every: float = 1.0) -> None:
    """Stop when the process that started this one is gone (a killed test or bench leaves no bot behind)."""
    parent = os.getppid()
    while not stopping.is_set():
        if os.getppid() != parent:
            stopping.set()
            return
        await asyncio.sleep(every)


def _log_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """SIGHUP: log where every task of this process waits, down its chain of awaits (what a hung process is
    stuck on)."""
    lines = []
    for task in asyncio.all_tasks(loop):
        where = []
        awaited: Any = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is None:
                where.append(type(awaited).__name__)
                break
            where.append(f"{frame.f_code.co_name} ({Path(frame.f_code.co_filename).name}:{frame.f_lineno})")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        lines.append(f"  {task.get_name()}: {' -> '.join(where) or 'done'}")
    log.warning("tasks of process %s:\n%s", os.getpid(), "\n".join(sorted(lines)))


def _profile_on_signals(loop: asyncio.AbstractEventLoop, path: Path) -> None:
    """SIGUSR1 starts profiling this process, SIGUSR2 stops and writes the profile to ``path``."""
    import cProfile

    profiler = cProfile.Profile()

    def stop() -> None:
        profiler.disable()
        profiler.dump_stats(str(path))

    loop.add_signal_handler(signal.SIGUSR1, profiler.enable)
    loop.add_signal_handler(signal.SIGUSR2, stop)


def _touch(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _exists(path: Path) -> bool:
    return path.exists()


def _prepare(ready: Path, spec: ProcessSpec, spec_path: Path) -> None:
    ready.unlink(missing_ok=True)
    spec.write(spec_path)


#: the pid of the process that started this one (:class:`BotProcess` sets it): gone, this one does not start
PARENT_PID_ENV = "MENTORBOT_SANDBOX_PARENT_PID"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> bool:
    """On Linux, have the kernel send this process SIGTERM when the process that started it dies (prctl
    PR_SET_PDEATHSIG: a killed test run leaves no bot behind, even one still importing, when the parent-watch
    is not running yet). False when that parent (:data:`PARENT_PID_ENV`) is already gone: it died before the
    request was made. Elsewhere the parent-watch alone does it."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    expected = os.environ.get(PARENT_PID_ENV, "")
    return not expected.isdigit() or os.getppid() == int(expected)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.sandbox.process SPEC.json", file=sys.stderr)
        return 2
    if not die_with_parent():
        print("the process that started this bot is gone: not starting", file=sys.stderr)
        return 0
    spec = ProcessSpec.read(Path(args[0]))
    from bot.logs import setup_logging

    setup_logging(spec.log_level, secrets=[spec.token])
    for name, level in spec.log_levels.items():
        logging.getLogger(name).setLevel(level.upper())
    from bot import event_loop

    event_loop.run(run_sandbox_bot(spec))
    return 0


class BotProcess:
    """The parent's handle on one bot OS process: ``await start()``, ``kill()`` (SIGKILL), ``await stop()``."""

    def __init__(self, name: str, spec: ProcessSpec, workdir: Path) -> None:
        self.name = name
        self.spec = spec
        self.workdir = workdir
        self.spec_path = workdir / f"{name}.json"
        self.log_path = workdir / f"{name}.log"
        self.spec.ready_file = str(workdir / f"{name}.ready")
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.runtime = ""  # its event loop and JSON library, as it said when ready
        self.kills = 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.alive and self.proc is not None else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def spawn(self) -> int:
        """Start the process (not waiting for it to be ready); its pid. It ends when this process does."""
        assert not self.alive, f"{self.name} is already running"
        _prepare(Path(self.spec.ready_file or ""), self.spec, self.spec_path)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", PARENT_PID_ENV: str(os.getpid())}
        with self.log_path.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.sandbox.process", str(self.spec_path),
                stdout=out, stderr=asyncio.subprocess.STDOUT, env=env, cwd=str(Path.cwd()),
            )
        return self.proc.pid

    async def start(self, *, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Start the process and wait until every one of its shards is ready."""
        ready = Path(self.spec.ready_file or "")
        await self.spawn()
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while not _exists(ready):
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not become ready: {self.tail()}")
            await asyncio.sleep(0.05)
        self.starts += 1
        lines = _read(ready).splitlines()
        self.runtime = lines[1] if len(lines) > 1 else ""  # "event loop: uvloop; JSON: orjson"

    def signal(self, sig: int) -> None:
        if self.alive and self.proc is not None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL: no clean close of anything, as when the machine loses the process."""
        if self.alive and self.proc is not None:
            self.proc.kill()
            self.kills += 1

    async def wait(self) -> int | None:
        if self.proc is None:
            return None
        return await self.proc.wait()

    async def stop(self, *, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """SIGTERM (a clean shutdown), then SIGKILL when it takes longer than ``timeout``."""
        if not self.alive or self.proc is None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


if __name__ == "__main__":
    raise SystemExit(main())
