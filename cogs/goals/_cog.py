"""``/goals view`` for the pair, ``/goals overview`` for organisers: adapt, one service call, reply."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.goals import PROGRESS, PairGoals, progress_label
from bot.goals.progress import MARKS
from bot.onboarding.safe_text import safe_text
from bot.services.goals import GoalOverview
from bot.voice import GoalWords
from cogs._common import organiser_only, organiser_programme, pick_programme
from cogs.kit.goals import EMBED_COLOUR, pair_embed, progress_view
from cogs.kit.messaging import NO_PINGS

LISTED = 30  # pairs listed in the overview (the totals count every pair)


def pair_line(pair: PairGoals, words: GoalWords) -> str:
    who = f"**{safe_text(pair.mentor_name, 40)} → {safe_text(pair.mentee_name, 40)}**"
    ended = f" {words.overview_ended}" if not pair.active else ""
    if not pair.goals:
        return f"{who}{ended}: {words.overview_no_goals}"
    states = " · ".join(f"{MARKS[p]} {n}" for p in PROGRESS if (n := pair.counts.get(p, 0)))
    return f"{who}{ended}: {states}"


def overview_embed(overview: GoalOverview) -> discord.Embed:
    """The totals first (no one named), then one line per pair, in the programme's words."""
    words = overview.programme.config.messages().goals
    lines = [pair_line(p, words) for p in overview.pairs[:LISTED]]
    more = len(overview.pairs) - LISTED
    if more > 0:
        lines.append(words.overview_more_one if more == 1 else words.say("overview_more", count=more))
    labels = words.progress_labels()
    legend = " · ".join(progress_label(p, labels=labels) for p in PROGRESS)
    embed = discord.Embed(title=words.say("overview_title", programme=overview.programme.config.name)[:256],
                          colour=EMBED_COLOUR, description=f"{overview.totals.line(words)}\n\n"
                          + ("\n".join(lines) or words.overview_empty))
    embed.set_footer(text=legend)
    if embed.description and len(embed.description) > 4000:
        embed.description = embed.description[:3990] + "…"
    return embed


class Goals(commands.Cog):
    goals = app_commands.Group(name="goals", description="The goals you work towards with your mentoring partner")

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @goals.command(name="view", description="See your goals, say how they are going, or change them")
    @app_commands.describe(programme="which programme, when there are several")
    async def view(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = pick_programme(self.bot, interaction.guild_id, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        mine = await self.bot.services.goals.mine(prog, interaction.user.id)
        words = prog.config.messages().goals
        if not mine:
            raise UserFacingError(words.say("view_no_match", programme=prog.config.name))
        for role, pair in mine[:5]:
            if role == "mentee":
                text = words.view_mentee if pair.goals else words.view_mentee_none
            else:
                text = words.say("view_mentor" if pair.goals else "view_mentor_none",
                                 mentee=safe_text(pair.mentee_name, 60))
            await interaction.followup.send(text, embed=pair_embed(pair, words), ephemeral=True, allowed_mentions=NO_PINGS,
                                            view=progress_view(pair, can_edit=role == "mentee", words=words))

    @organiser_only()
    @goals.command(name="overview", description="Organisers: goal progress per pair and in total")
    @app_commands.describe(programme="which programme, when there are several",
                           ended="include pairs whose match has ended (default: yes)")
    async def overview(self, interaction: discord.Interaction, programme: str | None = None,
                       ended: bool = True) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.bot.services.goals.overview(prog, include_ended=ended)
        await interaction.followup.send(embed=overview_embed(found), ephemeral=True, allowed_mentions=NO_PINGS)
