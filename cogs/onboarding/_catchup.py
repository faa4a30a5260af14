"""Catch-up on start and on a gateway resume: welcome, once and paced, the members who joined while the bot
could not see the guild (:mod:`bot.services.catch_up`); the organisers hear how many."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.plural import count
from cogs.kit import interview
from cogs.kit.messaging import tell_organisers

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)


class CatchUpCog(commands.Cog, name="CatchUp"):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self._lock = asyncio.Lock()  # one pass at a time: two passes must not both welcome someone

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.catch_up(self.bot.guilds, always_record=True)

    @commands.Cog.listener()
    async def on_resumed(self) -> None:
        await self.catch_up(self.bot.guilds, always_record=False)

    async def catch_up(self, guilds: Sequence[discord.Guild], *, always_record: bool) -> int:
        """Welcome the missed members of these guilds' programmes; how many were welcomed."""
        total = 0
        async with self._lock:
            for guild in guilds:
                for programme in self.bot.services.programmes.in_guild(guild.id):
                    started = self.bot.clock.now()
                    try:
                        members = {m.id: m for m in guild.members if not m.bot}
                        missed = await self.bot.services.catch_up.to_welcome(
                            programme, [(m.id, m.joined_at) for m in members.values()])
                        welcomed = 0
                        for uid in missed:
                            try:
                                await interview.start(self.bot, programme, members[uid])  # paced: new DMs
                                welcomed += 1
                            except discord.HTTPException as exc:
                                log.warning("could not welcome %s to %s: %s", uid, programme.key, exc)
                        if welcomed or always_record:
                            await self.bot.services.catch_up.record(programme, started, welcomed)
                    except Exception:
                        log.exception("catching up on %s failed (the next start or resume tries again)",
                                      programme.key)
                        continue
                    if welcomed:
                        await tell_organisers(self.bot, programme, (
                            f"👋 Caught up {count(welcomed, 'member')} who joined while I couldn't see the "
                            "server: they've had their welcome."))
                    total += welcomed
        return total
