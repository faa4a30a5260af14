"""Run a real discord.py client against a :class:`SandboxDiscord`: start, wait ready, stop, crash, restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

import discord
from discord.ext import commands

from bot.sandbox.connect import point_discord_at

from .server import SandboxDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


class BotRunner(Generic[ClientT]):
    """Owns one bot at a time on one sandbox. ``factory`` builds a fresh client for every (re)start."""

    def __init__(self, sandbox: SandboxDiscord, factory: Callable[[], ClientT]) -> None:
        self.sandbox = sandbox
        self.factory = factory
        self.bot: ClientT | None = None
        self.task: asyncio.Task[None] | None = None
        self.starts = 0
        # one process at a time: two restarts asked at once (a fuzz's plan, a chaos loop) run one after the
        # other, never leaving a second, unowned bot connected beside the one this runner holds
        self._lifecycle = asyncio.Lock()

    async def start(self, *, timeout: float = 15.0) -> ClientT:  # noqa: ASYNC109
        """Log in, connect in a task, and wait until the client is ready (guilds received)."""
        point_discord_at(self.sandbox.base_url, self.sandbox.gateway_url)
        bot = self.factory()
        self.bot = bot
        await bot.login(self.sandbox.token)
        self.task = asyncio.get_running_loop().create_task(bot.connect(reconnect=True), name="sandbox-bot")
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self.task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self.task in done:
                self.task.result()  # re-raise why the connection ended
            raise TimeoutError("sandbox: the bot did not become ready")
        self.starts += 1
        return bot

    async def stop(self) -> None:
        """A clean shutdown: the client closes its gateway session (code 1000) and its HTTP session."""
        if self.bot is not None:
            await self.bot.close()
        await self._reap()

    async def crash(self) -> None:
        """Kill the bot mid-flow: its task is cancelled with no clean close, as when the process dies."""
        if self.task is not None:
            self.task.cancel()
        bot = self.bot
        scheduler = getattr(bot, "scheduler", None)  # a dead process runs no more periodic jobs
        if scheduler is not None and getattr(scheduler, "running", False):
            scheduler.shutdown(wait=False)
        web = bot.get_cog("DashboardCog") if isinstance(bot, commands.Bot) else None
        if web is not None:  # nor serves web pages (its port is free for the next process)
            await web.cog_unload()
        if bot is not None:
            if bot.ws is not None:
                with contextlib.suppress(Exception):
                    await bot.ws.socket.close(code=4000)
            with contextlib.suppress(Exception):
                await bot.http.close()
            session = getattr(bot, "interaction_session", None)  # the interactions' own connections
            if session is not None:
                with contextlib.suppress(Exception):
                    await session.close()
        await self._reap()

    async def restart(self, *, crash: bool = True, timeout: float = 15.0) -> ClientT:  # noqa: ASYNC109
        """Stop the running bot (by default abruptly) and start a new one on the same sandbox. Restarts asked
        for together happen one after the other."""
        async with self._lifecycle:
            await (self.crash() if crash else self.stop())
            return await self.start(timeout=timeout)

    async def _reap(self) -> None:
        task, self.task = self.task, None
        if task is not None:
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.bot = None
