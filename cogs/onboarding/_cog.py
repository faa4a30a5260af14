"""Onboarding: joins, /join and typed answers start or continue the person's one interview."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.nudges.config import ONBOARDING_PLACEHOLDERS
from bot.nudges.templates import render_template
from bot.onboarding.flow import AskQuestion
from bot.onboarding.safe_text import safe_text
from bot.services.onboarding import Conversation
from bot.services.programmes import Programme
from cogs._common import pick_programme
from cogs.onboarding._delivery import deliver, tell_organisers
from cogs.onboarding._render import NO_PINGS, render_guess, render_step

log = logging.getLogger(__name__)

HELP_TEXT = (
    "Hi! I'm the mentoring bot. Use `/join` in the community server to start (or continue) your interview, "
    "`/profile` to see your answers, `/pause` to take a break, and `/leave` to delete your data."
)
SPAM_WINDOW_S = 10.0
SPAM_MAX = 15


class Onboarding(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self._recent: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    async def cog_load(self) -> None:
        self.bot.add_periodic("onboarding-reminders", self.send_reminders, seconds=600)

    async def start_for(self, programme: Programme, user: discord.abc.User, suggestions: dict[str, object] | None = None,
                        *, intro: bool | None = None) -> Conversation:
        """Start or resume the interview and send whatever comes next (with the welcome when it is new, or
        when ``intro`` says so because the caller already created it)."""
        conv = await self.bot.services.onboarding.begin(
            programme, user.id, user.display_name, suggestions=suggestions  # type: ignore[arg-type]
        )
        rendered = render_step(programme.id, conv.step, programme_name=programme.config.name, voice=programme.config.messages(),
                               intro=conv.created or bool(intro))
        await deliver(self.bot, conv, rendered, user.id, user.display_name)
        return conv

    async def show_guess(self, programme: Programme, user: discord.abc.User) -> bool:
        """After a link: offer the post's guess for the question on screen (without asking it again)."""
        conv = await self.bot.services.onboarding.act(programme, user.id, "show")
        step = conv.step if conv else None
        if conv is None or not isinstance(step, AskQuestion) or step.suggestion_shown is None:
            return False
        return await deliver(self.bot, conv, render_guess(programme.id, step), user.id, user.display_name)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        for programme in self.bot.services.programmes.in_guild(member.guild.id):
            try:
                await self.start_for(programme, member)
            except discord.HTTPException:
                log.exception("could not start onboarding of %s in %s", member.id, programme.key)

    @app_commands.command(name="join", description="Start (or continue) your mentoring interview")
    @app_commands.guild_only()
    @app_commands.describe(programme="which programme, when this server runs several")
    async def join(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = pick_programme(self.bot, interaction.guild_id, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        conv = await self.start_for(prog, interaction.user)
        where = "in a private thread" if conv.in_thread else "in your DMs"
        if conv.channel_id is None:
            conv = await self.bot.services.onboarding.begin(prog, interaction.user.id, interaction.user.display_name)
            where = "in a private thread" if conv.in_thread else "in your DMs"
        await interaction.followup.send(f"I've sent you the next question {where}.", ephemeral=True)

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
        in_thread = isinstance(message.channel, discord.Thread) and message.channel.type == discord.ChannelType.private_thread
        if not (in_dm or in_thread):
            return
        if self.bot.services.intake.leads.find_code(message.content or "", anywhere=True) is not None:
            return  # a claim code: the intake cog links it and continues the interview
        onboarding = self.bot.services.onboarding
        programme = await onboarding.find_open(message.author.id, message.channel.id)
        if programme is None:
            if in_dm:
                await self.bot.pacer_send(message.channel, content=HELP_TEXT, allowed_mentions=NO_PINGS)
            return
        if self._flooding(message.author.id):
            last = self._warned.get(message.author.id, 0.0)
            if time.monotonic() - last > SPAM_WINDOW_S:
                self._warned[message.author.id] = time.monotonic()
                await self.bot.pacer_send(message.channel, content="You're sending messages very quickly — "
                                          "give me a moment, then answer the latest question.",
                                          allowed_mentions=NO_PINGS)
            return
        conv = await onboarding.act(programme, message.author.id, "answer", raw=message.content or "")
        if conv is None:
            return
        rendered = render_step(programme.id, conv.step, programme_name=programme.config.name, voice=programme.config.messages())
        await self.bot.pacer_send(message.channel, content=rendered.content, embed=rendered.embed,
                                  view=rendered.view, allowed_mentions=NO_PINGS)
        if conv.finished_now:
            self.bot.dispatch("onboarding_complete", programme, message.author.id)

    async def send_reminders(self) -> None:
        """24 h / 72 h after the last unanswered question: one reminder each, then the stalled list."""
        for programme in self.bot.services.programmes.all():
            for reminder in await self.bot.services.onboarding.due_reminders(programme):
                text = render_template(
                    programme.config.onboarding_reminders.text,
                    {"name": safe_text(reminder.display_name, 60), "programme": programme.config.name},
                    allowed=ONBOARDING_PLACEHOLDERS,
                )
                conv = await self.bot.services.onboarding.act(programme, reminder.discord_user_id, "show")
                if conv is None:
                    continue
                rendered = render_step(programme.id, conv.step, programme_name=programme.config.name, voice=programme.config.messages())
                rendered.content = f"{text}\n\n{rendered.content}"[:2000]
                try:
                    await deliver(self.bot, conv, rendered, reminder.discord_user_id, reminder.display_name)
                except discord.HTTPException as exc:
                    await tell_organisers(self.bot, programme, f"Could not remind <@{reminder.discord_user_id}>: {exc}")
