"""The DM router: a typed link code, an interview answer, or help — decided once, here."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque

import discord
from discord.ext import commands

from bot.app import MentorBot
from bot.onboarding.safe_text import safe_text
from bot.services.programmes import Programme
from bot.voice import InterviewWords
from cogs._common import programmes_of
from cogs.kit import interview
from cogs.kit.messaging import NO_PINGS

log = logging.getLogger(__name__)

SPAM_WINDOW_S = 10.0
HELP_EVERY_S = 60.0  # DMs outside an interview get the help text at most this often (a flood gets one)
SPAM_MAX = 15


def help_text(programmes: list[Programme]) -> str:
    """The help for a DM outside any interview: in the voice of the person's programme, or in neutral words
    when they are in several (or none)."""
    if len(programmes) == 1:
        programme = programmes[0]
        return programme.config.messages().interview.say("dm_help", programme=safe_text(programme.config.name, 100))
    return InterviewWords().dm_help


def interview_words(programmes: list[Programme]) -> InterviewWords:
    """The words of the person's programme; in several (or none), the neutral ones."""
    return programmes[0].config.messages().interview if len(programmes) == 1 else InterviewWords()


class DirectMessages(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self._recent: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}
        self._helped: dict[int, float] = {}

    def _flooding(self, user_id: int) -> bool:
        now = time.monotonic()
        recent = self._recent[user_id]
        recent.append(now)
        while recent and recent[0] < now - SPAM_WINDOW_S:
            recent.popleft()
        return len(recent) > SPAM_MAX

    async def _replied(self, message: discord.Message) -> tuple[int | None, int | None]:
        """A Discord reply: the message it replies to, and the programme whose interview that message is."""
        ref = message.reference
        if ref is None or ref.message_id is None:
            return None, None
        replied = ref.resolved
        if not isinstance(replied, discord.Message):  # not sent along with the reply: look it up
            try:
                replied = await message.channel.fetch_message(ref.message_id)
            except discord.HTTPException:
                return ref.message_id, None
        return ref.message_id, interview.interview_of(replied)

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
        if in_dm:  # their DMs work, whatever they are answering: tried again at the next message
            await services.people.heard_in_dms(message.author.id)
        text = message.content or ""
        # a code of any of the member's programmes, wherever it is typed: another guild's code pasted in a
        # private onboarding thread is a code, not an answer to the question on screen
        programmes = programmes_of(self.bot, message.author, None)
        if message.guild is not None:
            programmes += [p for p in programmes_of(self.bot, message.author, message.guild.id) if p not in programmes]
        if text and services.intake.leads.find_code(text, anywhere=True, programmes=programmes) is not None:
            # typing a code proves nothing: it is posted from the account to link
            await self.bot.pacer_send(message.channel, content=interview_words(programmes).codes_are_posted,
                                      allowed_mentions=NO_PINGS)
            return
        reply_to, replied_programme = await self._replied(message)
        found = await services.onboarding.find_open(message.author.id, message.channel.id, reply_to=reply_to,
                                                    replied_programme_id=replied_programme)
        if found is None:
            # after onboarding (or before any): one help message per HELP_EVERY_S, however many DMs arrive
            last = self._helped.get(message.author.id)
            if in_dm and (last is None or time.monotonic() - last > HELP_EVERY_S):
                self._helped[message.author.id] = time.monotonic()
                await self.bot.pacer_send(message.channel, content=help_text(programmes), allowed_mentions=NO_PINGS)
            return
        if self._flooding(message.author.id):
            last = self._warned.get(message.author.id, 0.0)
            if time.monotonic() - last > SPAM_WINDOW_S:
                self._warned[message.author.id] = time.monotonic()
                await self.bot.pacer_send(message.channel, content=found.programme.config.messages().interview.slow_down,
                                          allowed_mentions=NO_PINGS)
            return
        programme = found.programme
        conv = await services.onboarding.act(programme, message.author.id, "answer", raw=text)
        if conv is None:
            return
        rendered = interview.render_step(programme, conv.step, named=found.shared)
        sent = await self.bot.pacer_send(message.channel, **rendered.kwargs())
        await services.onboarding.asked(conv.session_id, sent.id)
