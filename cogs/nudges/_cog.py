"""The dispatch job (the workflow: :class:`bot.services.nudges.dispatch.NudgeDispatcher`) and the daily top-up
of long matches' plans."""

from __future__ import annotations

import logging

from discord.ext import commands

from bot.app import MentorBot
from bot.services.nudges.dispatch import NudgeDispatcher
from cogs.nudges._send import DiscordNudgeChannels

log = logging.getLogger(__name__)

JOB_NAME = "nudge-dispatch"
TOPUP_JOB = "nudge-topup"
TOPUP_SECONDS = 24 * 3600  # plans reach 180 days ahead: a daily top-up keeps them there


class Nudges(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.service = bot.services.nudges
        self.dispatcher = NudgeDispatcher(self.service, bot.services.programmes, bot.clock, DiscordNudgeChannels(bot))

    @property
    def batch(self) -> int:
        return self.dispatcher.batch

    @batch.setter
    def batch(self, size: int) -> None:
        self.dispatcher.batch = size

    async def cog_load(self) -> None:
        self.bot.add_periodic(JOB_NAME, self.run_dispatch, seconds=self.bot.settings.config.bot.dispatch_interval_seconds)
        self.bot.add_periodic(TOPUP_JOB, self.topup, seconds=TOPUP_SECONDS)
        self.bot.add_periodic("end-requests", self.lapse_end_requests, seconds=3600)

    async def lapse_end_requests(self) -> None:
        """Unanswered "End this match" requests past the programme's limit end (both told, space archived)."""
        for programme in self.bot.services.programmes.all():
            await self.bot.services.end_requests.lapse_due(programme)

    async def topup(self) -> None:
        """Extend long matches' plans past the horizon (and catch up with plan edits): future nudges only."""
        for programme in self.bot.services.programmes.all():
            try:
                await self.service.replan_programme(programme, extend_only=True)
            except Exception:
                log.exception("nudge top-up failed for %s", programme.key)

    async def run_dispatch(self) -> None:
        await self.dispatch()

    async def dispatch(self) -> int:
        """One run (see the dispatcher); nothing before the bot is connected. Returns how many were claimed."""
        if not self.bot.is_ready():
            return 0
        return await self.dispatcher.run()
