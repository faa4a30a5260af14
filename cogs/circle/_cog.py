"""Keeps every programme's circle in step: at start-up (catch-up after a restart), every few minutes, and at
once when someone leaves the server or the programme (/leave)."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.app import MentorBot
from bot.services.programmes import Programme
from cogs.circle._sync import CircleResult, DiscordCircle

log = logging.getLogger(__name__)

JOB_NAME = "circle-sync"
SYNC_SECONDS = 120


class Circle(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.discord = DiscordCircle(bot)

    async def cog_load(self) -> None:
        self.bot.add_periodic(JOB_NAME, self.sync_all, seconds=SYNC_SECONDS)

    async def sync_all(self) -> None:
        if not self.bot.is_ready():
            return
        for programme in self.bot.services.programmes.all():
            await self.sync(programme)

    async def sync(self, programme: Programme) -> CircleResult | None:
        try:
            wanted = await self.bot.services.circle.members(programme)
            return await self.discord.reconcile(programme, wanted)
        except discord.HTTPException as exc:
            log.warning("could not bring the mentor circle of %s in step: %s", programme.key, exc)
        except Exception:
            log.exception("mentor circle of %s failed", programme.key)
        return None

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.sync_all()  # catch-up: whatever changed while the bot was away

    @commands.Cog.listener()
    async def on_programme_leave(self, programme: Programme) -> None:
        """Someone left the programme (/leave): their access to the circle goes now, not at the next run."""
        await self.sync(programme)

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        for programme in self.bot.services.programmes.in_guild(member.guild.id):
            await self.sync(programme)
