"""Organisers' matching commands: preview, confirm, manual pair, unpair, list."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.onboarding.safe_text import safe_text
from bot.plural import count, form
from bot.services.matching import MatchingError
from bot.services.programmes import Programme
from cogs._common import organiser_only, organiser_programme
from cogs.matching._announce import Announcer
from cogs.matching._views import ConfirmPairView

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()


class Matching(commands.GroupCog, group_name="match", group_description="Match mentors and mentees"):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.announcer = Announcer(bot)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_periodic("announce-pairs", self.announce_pending, seconds=30)

    async def cog_unload(self) -> None:
        self.bot.services.matching.close()

    async def announce_pending(self) -> None:
        await self.announcer.run()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.announcer.run()  # finish announcements a crash interrupted

    @organiser_only()
    @app_commands.command(name="preview", description="Preview a matching round: pairs, scores and reasons")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def preview(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await self.bot.services.matching.preview(prog, interaction.user.id)
        result = preview.result
        embed = discord.Embed(title=f"Matching preview · {prog.config.name}", colour=discord.Colour.blurple())
        embed.add_field(name="Pairs", value=str(len(result.pairs)))
        embed.add_field(name="Unmatched mentees", value=str(len(result.unmatched)))
        embed.add_field(name="Total score", value=f"{result.total_score:.2f}")
        if preview.score_stats:
            s = preview.score_stats
            embed.add_field(name="Scores", value=f"min {s['min']:.1f} · median {s['median']:.1f} · max {s['max']:.1f}")
        embed.add_field(name="Optimal", value="certified" if result.certified else "not certified")
        for pair in result.pairs[:8]:
            embed.add_field(
                name=f"{safe_text(preview.names.get(pair.mentor_id, '?'), 40)} → "
                     f"{safe_text(preview.names.get(pair.mentee_id, '?'), 40)} ({pair.score:.1f})"[:256],
                value=safe_text(pair.reasons, 300, one_line=False) or "—", inline=False)
        if result.unmatched:
            lines = [f"{safe_text(preview.names.get(u.person_id, '?'), 40)}: {safe_text(u.reason, 150)}"
                     for u in result.unmatched[:8]]
            embed.add_field(name="Unmatched (first 8)", value="\n".join(lines)[:1024], inline=False)
        embed.set_footer(text="Nothing is final yet: /match confirm makes these pairs real. Full list attached.")
        file = discord.File(io.BytesIO(preview.csv_text.encode("utf-8")), filename=f"{prog.key}-preview.csv")
        await interaction.followup.send(embed=embed, file=file, ephemeral=True)

    @organiser_only()
    @app_commands.command(name="confirm", description="Confirm the latest preview and announce the pairs")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def confirm(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            created = await self.bot.services.matching.confirm(prog, interaction.user.id)
        except MatchingError as exc:
            raise UserFacingError(str(exc)) from None
        if not created:
            await interaction.followup.send(
                "The preview had no pairs, so nothing was created. Everyone in it is still waiting; "
                "`/match preview` shows why nobody could be paired.", ephemeral=True)
            return
        await interaction.followup.send(
            f"✅ {count(len(created), 'pair')} confirmed. I'm creating "
            f"{form(len(created), 'their private space', 'their private spaces')} and "
            f"{form(len(created), 'introduction')} now.", ephemeral=True)
        await self.announcer.run()

    @organiser_only()
    @app_commands.command(name="pair", description="Pair two people by hand")
    async def pair(self, interaction: discord.Interaction, mentor: discord.Member, mentee: discord.Member,
                   programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        svc = self.bot.services.matching
        a = await svc.person_by_discord(prog, mentor.id)
        b = await svc.person_by_discord(prog, mentee.id)
        if a is None or b is None:
            raise UserFacingError("Both people need a profile in this programme first.")
        refused = await svc.manual_refusal(prog, a.id or 0, b.id or 0)
        if refused is not None:  # consent is not an organiser's to override
            raise UserFacingError(f"I can't pair them: {refused}.")
        broken = await svc.check_manual(prog, a.id or 0, b.id or 0)
        if not broken:
            match_id = await svc.create_manual(prog, a.id or 0, b.id or 0, interaction.user.id, [])
            await interaction.response.send_message(f"✅ Paired (match {match_id}); announcing now.", ephemeral=True)
            await self.announcer.run()
            return
        view = ConfirmPairView(self, prog, a.id or 0, b.id or 0, broken, interaction.user.id)
        await interaction.response.send_message(
            "This pair breaks these rules:\n" + "\n".join(f"• {safe_text(r, 200)}" for r in broken)
            + "\nPair them anyway?", view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    async def confirm_manual(self, interaction: discord.Interaction, prog: Programme, mentor_pid: int,
                             mentee_pid: int, broken: list[str]) -> None:
        try:
            match_id = await self.bot.services.matching.create_manual(prog, mentor_pid, mentee_pid,
                                                                      interaction.user.id, broken)
        except ValueError as exc:
            await interaction.response.edit_message(content=f"Not paired: {safe_text(str(exc), 300)}.", view=None)
            return
        await interaction.response.edit_message(content=f"✅ Paired anyway (match {match_id}); announcing now.",
                                                view=None)
        await self.announcer.run()

    @organiser_only()
    @app_commands.command(name="unpair", description="End a mentee's current match")
    @app_commands.describe(reason="a short note for the pair and the organisers (optional)")
    async def unpair(self, interaction: discord.Interaction, mentee: discord.Member, reason: str = "",
                     programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        svc = self.bot.services.matching
        person = await svc.person_by_discord(prog, mentee.id)
        active = await svc.active_match_of_mentee(prog, person.id or 0) if person else None
        if active is None:
            raise UserFacingError("They have no active match.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        ended = await self.bot.services.ending.end_match(active.id or 0, "organiser", interaction.user.id,
                                                         note=reason)
        await interaction.followup.send(
            "Match ended: both were told, their space is archived and the mentor's place is free again."
            if ended is not None else "That match had already ended.", ephemeral=True)

    @organiser_only()
    @app_commands.command(name="list", description="Active pairs")
    async def list_(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await self.bot.services.matching.active_matches(prog)
        lines = [f"{safe_text(a.display_name if a else '?', 40)} → {safe_text(b.display_name if b else '?', 40)}"
                 f" · {m.score:.1f}" + (f" · <#{m.space_id}>" if m.space_id else "") for m, a, b in rows]
        text = "\n".join(lines) or "No active pairs yet."
        if len(text) > 1900:
            file = discord.File(io.BytesIO(text.encode()), filename="pairs.txt")
            await interaction.followup.send(f"{len(rows)} active pairs (attached).", file=file, ephemeral=True)
        else:
            await interaction.followup.send(f"**{len(rows)} active pairs**\n{text}", ephemeral=True,
                                            allowed_mentions=NO_PINGS)
