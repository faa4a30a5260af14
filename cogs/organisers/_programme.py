"""``/programme setup`` and ``/programme stats``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, NotOrganiser
from cogs._common import organiser_only, organiser_programme
from cogs.kit.messaging import NO_PINGS
from cogs.organisers._setup import SetupView
from cogs.organisers._stats import stats_chart, stats_embed
from cogs.organisers._tools import organiser_group


class ProgrammeCommands(commands.Cog):
    programme = organiser_group("programme", "Set up and follow the mentoring programme (organisers)")

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @organiser_only()
    @programme.command(name="setup", description="Create or change this server's mentoring programme")
    @app_commands.describe(programme="the programme to change (leave empty for this server's only one, "
                                     "or give a new key to create another)")
    async def setup(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        guild = interaction.guild
        assert guild is not None and isinstance(interaction.user, discord.Member)
        here = self.bot.services.programmes.in_guild(guild.id)
        existing = None
        if here and (programme is None or any(p.key == programme for p in here)):
            existing = organiser_programme(interaction, programme)
        elif not here and not interaction.user.guild_permissions.manage_guild:
            raise NotOrganiser("creating a programme needs Manage Server")
        view = SetupView(interaction.user.id, guild, existing)
        if existing is None and programme:
            view.draft.key = programme.strip().lower()
        await interaction.response.send_message(view.content(), view=view, ephemeral=True,
                                                allowed_mentions=NO_PINGS)
        # after answering: the set-up message must not wait for the database
        await self.bot.services.organisers.record(existing, interaction.user.id, "programme.setup_opened",
                                                {"programme": existing.key if existing else programme})

    @organiser_only()
    @programme.command(name="stats", description="The funnel, pairs at risk, stalled onboarding and a chart")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def stats(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        snapshot = await self.bot.services.stats.snapshot(prog)
        chart = await stats_chart(snapshot)
        await self.bot.services.organisers.record(prog, interaction.user.id, "programme.stats")
        await interaction.followup.send(embed=stats_embed(snapshot), file=chart, ephemeral=True,
                                        allowed_mentions=NO_PINGS)
