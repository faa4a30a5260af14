"""The DM router: a claim code, an interview answer, or help — decided once, here."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque

import discord
from discord.ext import commands

from bot.app import MentorBot
from bot.services.programmes import Programme
from cogs.kit import interview
from cogs.kit.messaging import NO_PINGS

log = logging.getLogger(__name__)

HELP_TEXT = (
    "Hi! I'm the mentoring bot. Use `/join` in the community server to start (or continue) your interview, "
    "`/profile` to see your answers, `/pause` to take a break, and `/leave` to delete your data."
)
SLOW_DOWN = "You're sending messages very quickly — give me a moment, then answer the latest question."
SPAM_WINDOW_S = 10.0
SPAM_MAX = 15


class DirectMessages(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self._recent: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    def _flooding(self, user_id: int) -> bool:
        now = time.monotonic()
        recent = self._recent[user_id]
        recent.append(now)
        while recent and recent[0] < now - SPAM_WINDOW_S:
            recent.popleft()
        return len(recent) > SPAM_MAX

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        in_dm = message.guild is None
        in_thread = isinstance(message.channel, discord.Thread) \
            and message.channel.type == discord.ChannelType.private_thread
        if not (in_dm or in_thread):
            return
        services = self.bot.services
        programmes = services.programmes.in_guild(message.guild.id) if message.guild else services.programmes.all()
        text = message.content or ""
        if text and services.intake.leads.find_code(text, anywhere=True, programmes=programmes) is not None:
            await self._claim(message, programmes)
            return
        programme = await services.onboarding.find_open(message.author.id, message.channel.id)
        if programme is None:
            if in_dm:
                await self.bot.pacer_send(message.channel, content=HELP_TEXT, allowed_mentions=NO_PINGS)
            return
        if self._flooding(message.author.id):
            last = self._warned.get(message.author.id, 0.0)
            if time.monotonic() - last > SPAM_WINDOW_S:
                self._warned[message.author.id] = time.monotonic()
                await self.bot.pacer_send(message.channel, content=SLOW_DOWN, allowed_mentions=NO_PINGS)
            return
        conv = await services.onboarding.act(programme, message.author.id, "answer", raw=text)
        if conv is None:
            return
        rendered = interview.render_step(programme.id, conv.step, programme_name=programme.config.name)
        await self.bot.pacer_send(message.channel, **rendered.kwargs())
        if conv.finished_now:
            self.bot.dispatch("onboarding_complete", programme, message.author.id)

    async def _claim(self, message: discord.Message, programmes: list[Programme]) -> None:
        """A claim code typed in the DM with the bot: link the post, then continue the interview pre-filled."""
        result = await self.bot.services.intake.leads.claim(message.author.id, message.author.display_name,
                                                      message.content, programmes=programmes, anywhere=True)
        await self.bot.pacer_send(message.channel, content=result.message, allowed_mentions=NO_PINGS)
        await interview.continue_after_claim(self.bot, result, message.author)
