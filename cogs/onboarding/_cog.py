"""Onboarding: joins and /join start or continue the person's one interview; reminders nudge stalled ones."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot
from bot.nudges.config import ONBOARDING_PLACEHOLDERS
from bot.nudges.templates import render_template
from bot.onboarding.safe_text import safe_text
from cogs._common import pick_programme
from cogs.kit import interview
from cogs.kit.messaging import tell_organisers
from cogs.onboarding._catchup import CATCH_UP_JOB, CATCH_UP_RETRY_S

log = logging.getLogger(__name__)


class Onboarding(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_periodic("onboarding-reminders", self.send_reminders, seconds=600)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        catch_up = self.bot.services.catch_up
        for programme in self.bot.services.programmes.in_guild(member.guild.id):
            try:
                with catch_up.welcoming(programme, member.id, member.joined_at):
                    await interview.welcome(self.bot, programme, member)
            except Exception:  # the database, Discord, anything: a catch-up pass welcomes them soon
                log.exception("could not start onboarding of %s in %s (a catch-up pass tries again in %s s)",
                              member.id, programme.key, CATCH_UP_RETRY_S)
                catch_up.failed(programme, member.id, member.joined_at)
                self.bot.kick(CATCH_UP_JOB, after=CATCH_UP_RETRY_S)

    @app_commands.command(name="join", description="Start (or continue) your mentoring interview")
    @app_commands.guild_only()
    @app_commands.describe(programme="which programme, when this server runs several")
    async def join(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = pick_programme(self.bot, interaction.guild_id, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        conv = await interview.start(self.bot, prog, interaction.user)
        words = prog.config.messages().interview
        await interaction.followup.send(words.join_thread if conv.in_thread else words.join_dm, ephemeral=True)

    async def send_reminders(self) -> None:
        """24 h / 72 h after the last unanswered question: one reminder each, then the stalled list."""
        for programme in self.bot.services.programmes.all():
            for reminder in await self.bot.services.onboarding.due_reminders(programme):
                text = render_template(
                    programme.config.onboarding_reminder(),
                    {"name": safe_text(reminder.display_name, 60), "programme": programme.config.name},
                    allowed=ONBOARDING_PLACEHOLDERS,
                )
                try:
                    await interview.show(self.bot, programme, reminder.discord_user_id, reminder.display_name,
                                         preface=text)
                except discord.HTTPException as exc:
                    await tell_organisers(self.bot, programme, f"Could not remind <@{reminder.discord_user_id}>: {exc}")
