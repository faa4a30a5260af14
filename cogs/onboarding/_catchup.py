"""Catch-up on start and on a gateway resume: welcome, once and paced, the members who joined while the bot
could not see the guild (:mod:`bot.services.catch_up`); the organisers hear how many. While the bot runs, a pass
also follows a live welcome that failed (:data:`CATCH_UP_RETRY_S` later, then every :data:`CATCH_UP_EVERY_S`
until it is made up for), over the members the gateway's chunking keeps in memory (no REST listing)."""

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
CATCH_UP_JOB = "members-catch-up"
CATCH_UP_EVERY_S = 600  # a pass while a failed welcome is owed (none owed: the job does nothing)
CATCH_UP_RETRY_S = 30  # the first pass after a live welcome failed (a database blip, a Discord 5xx)


class CatchUpCog(commands.Cog, name="CatchUp"):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self._lock = asyncio.Lock()  # one pass at a time: two passes must not both welcome someone

    async def cog_load(self) -> None:
        self.bot.add_periodic(CATCH_UP_JOB, self.make_up_for_failed_welcomes, seconds=CATCH_UP_EVERY_S)

    async def make_up_for_failed_welcomes(self) -> None:
        """A pass over the guilds of programmes where a live welcome failed since the last pass (else nothing)."""
        catch_up = self.bot.services.catch_up
        owed = [g for g in self.bot.guilds
                if any(catch_up.owed(p) for p in self.bot.services.programmes.in_guild(g.id))]
        if owed:
            await self.catch_up(owed, always_record=False)

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        for programme in self.bot.services.programmes.in_guild(member.guild.id):
            self.bot.services.catch_up.gone(programme, member.id)  # a welcome that failed is owed no more

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
                        catch_up = self.bot.services.catch_up
                        missed = await catch_up.to_welcome(programme, [(m.id, m.joined_at) for m in members.values()])
                        welcomed = 0
                        for owed in missed:
                            member = members[owed.discord_id]
                            if catch_up.under_way(programme, member.id):
                                continue  # its live join came while this pass ran: that welcome is theirs
                            try:
                                # paced: new DMs. One with no row is welcomed only if this pass makes it
                                if owed.cut_short:
                                    await interview.start(self.bot, programme, member)
                                elif await interview.welcome(self.bot, programme, member) is None:
                                    catch_up.done(programme, member.id)
                                    continue
                                welcomed += 1
                                catch_up.done(programme, member.id)
                            except discord.HTTPException as exc:
                                log.warning("could not welcome %s to %s: %s", member.id, programme.key, exc)
                                catch_up.failed(programme, member.id, member.joined_at)
                        if welcomed or always_record:
                            await self.bot.services.catch_up.record(programme, started, welcomed)
                    except Exception:
                        log.exception("catching up on %s failed (the next pass tries again)", programme.key)
                        self.bot.services.catch_up.pass_failed(programme)
                        continue
                    if welcomed:
                        await tell_organisers(self.bot, programme, (
                            f"👋 Caught up {count(welcomed, 'member')} who joined while I couldn't see the "
                            "server or whose welcome had failed: they've had their welcome."))
                    total += welcomed
        return total
