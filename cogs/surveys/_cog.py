"""The survey dispatch job (the workflow: :class:`bot.services.surveys.SurveyDispatcher`)."""

from __future__ import annotations

from discord.ext import commands

from bot.app import MentorBot
from bot.services.surveys import SurveyDispatcher
from cogs.surveys._send import DiscordSurveyChannels

JOB_NAME = "survey-dispatch"


class Surveys(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.dispatcher = SurveyDispatcher(bot.services.surveys, bot.services.programmes, bot.clock,
                                           DiscordSurveyChannels(bot))

    async def cog_load(self) -> None:
        self.bot.add_periodic(JOB_NAME, self.run_dispatch,
                              seconds=self.bot.settings.config.bot.dispatch_interval_seconds)

    async def run_dispatch(self) -> None:
        await self.dispatch()

    async def dispatch(self) -> int:
        """One run; nothing before the bot is connected. Returns how many were claimed."""
        if not self.bot.is_ready():
            return 0
        return await self.dispatcher.run()
