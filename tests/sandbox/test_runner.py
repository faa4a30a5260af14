"""The runner stands for the bot's process: restarting it, however often and however the requests overlap,
leaves one bot connected (two would both answer every event: two welcomes, "already acknowledged" clicks)."""

from __future__ import annotations

import asyncio

from bot.sandbox.discord import SandboxDiscord
from bot.sandbox.discord.runner import BotRunner
from tests.support.minibot import MiniBot


async def test_two_restarts_asked_at_once_leave_one_bot_connected(runner: BotRunner[MiniBot],
                                                                  sandbox: SandboxDiscord) -> None:
    await asyncio.gather(runner.restart(crash=True), runner.restart(crash=True))
    await asyncio.sleep(0.5)
    assert runner.starts == 3
    assert len(sandbox.gateway.connected) == 1, "a second bot was left connected beside the runner's"
