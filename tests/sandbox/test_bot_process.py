"""A sandbox bot OS process (what the reliability harness starts) stops when asked, or when the process that started
it dies, at any moment of its start: here, its shard retrying a gateway it cannot reach (discord.py retries a shard
that cannot connect for ever, closed or not)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.process import STOP_GRACE_S, BotProcess, ProcessSpec
from bot.sandbox.serve import SandboxServer

pytestmark = pytest.mark.timeout(300)

STARTING_S = 180.0  # importing the bot takes ~30 s on a loaded 2-core machine: how long to wait for its start
RETRYING = "Failed to connect for shard_id"  # what discord.py logs each time the shard's connection fails

# the harness's parent, in its own process: it starts the bot, says the bot's pid, and waits to be killed
PARENT = """
import asyncio, sys
from pathlib import Path
from bot.sandbox.process import BotProcess, ProcessSpec

async def main() -> None:
    bot = BotProcess("bot", ProcessSpec.read(Path(sys.argv[1])), Path(sys.argv[2]))
    print(await bot.spawn(), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    s = await SandboxServer().start()
    try:
        yield s
    finally:
        await s.stop()


def _unreachable_gateway(server: SandboxServer, tmp_path: Path) -> ProcessSpec:
    """A process of shard 0 whose gateway nobody listens on (its REST, clock and database are there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    spec = server.process_spec(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", shard_ids=[0])
    spec.gateway_url = f"ws://127.0.0.1:{port}/"
    return spec


async def _until_retrying(log_path: Path, pid: int) -> None:
    deadline = time.monotonic() + STARTING_S
    while not (log_path.exists() and RETRYING in log_path.read_text(encoding="utf-8", errors="replace")):
        assert _running(pid), "the bot process ended before it reached its gateway"
        assert time.monotonic() < deadline, "the bot process never reached its gateway"
        await asyncio.sleep(0.2)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent to read its status."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_a_starting_bot_process_asked_to_stop_exits_promptly_and_cleanly(server: SandboxServer,
                                                                                tmp_path: Path) -> None:
    bot = BotProcess("bot", _unreachable_gateway(server, tmp_path), tmp_path)
    pid = await bot.spawn()
    try:
        await _until_retrying(bot.log_path, pid)
        bot.signal(signal.SIGTERM)
        code = await asyncio.wait_for(bot.wait(), STOP_GRACE_S + 20)
        assert code == 0, f"the bot process did not exit cleanly ({code}):\n{bot.tail()}"
    finally:
        bot.kill()
        await bot.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_a_starting_bot_process_whose_parent_dies_does_not_stay_behind(server: SandboxServer,
                                                                             tmp_path: Path) -> None:
    spec_path = _unreachable_gateway(server, tmp_path).write(tmp_path / "spec.json")
    parent = await asyncio.create_subprocess_exec(sys.executable, "-c", PARENT, str(spec_path), str(tmp_path),
                                                  stdout=asyncio.subprocess.PIPE, cwd=str(Path.cwd()))
    assert parent.stdout is not None
    pid = int(await asyncio.wait_for(parent.stdout.readline(), STARTING_S))
    try:
        await _until_retrying(tmp_path / "bot.log", pid)
        parent.kill()  # a test run killed: nobody will stop its bot
        await parent.wait()
        deadline = time.monotonic() + STOP_GRACE_S + 20
        while _running(pid):
            assert time.monotonic() < deadline, "the bot process outlived the process that started it"
            await asyncio.sleep(0.2)
    finally:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)
