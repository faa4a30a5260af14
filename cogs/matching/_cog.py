"""Organisers' matching commands: preview, confirm, manual pair, forbid/force a pair, remind a quiet pair,
unpair, list."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.onboarding.safe_text import safe_text
from bot.plural import count, form
from bot.services.announcing import Announcements
from bot.services.match_end import MatchNotFound
from bot.services.matching import MatchingError
from bot.services.members import Member
from bot.services.pair_decisions import NotFound
from bot.services.programmes import Programme
from cogs._common import organiser_only, organiser_programme
from cogs.kit.messaging import NO_PINGS, tell_waiting
from cogs.matching._announce import DiscordPairSpaces
from cogs.matching._remind import remind_pair
from cogs.matching._views import ConfirmPairView
from storage.models import PairRuleKind

log = logging.getLogger(__name__)
WHO = "an @mention, a name as in /match list (imported people too), or #number"


class Matching(commands.GroupCog, group_name="match", group_description="Match mentors and mentees"):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        services = bot.services
        self.announcer = Announcements(services.programmes, services.matching, services.nudges, bot.clock,
                                       DiscordPairSpaces(bot), services.goals)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_periodic("announce-pairs", self.announce_pending, seconds=30)
        self.bot.add_periodic("rolling-intake", self.rolling_intake, seconds=3600)

    async def cog_unload(self) -> None:
        self.bot.services.matching.close()

    async def announce_pending(self) -> None:
        await self.announcer.run()

    async def rolling_intake(self) -> None:
        """Programmes with rolling intake: match new arrivals when due, then announce the new pairs."""
        made = False
        for programme in self.bot.services.programmes.all():
            ran = await self.bot.services.matching.rolling_intake(programme)
            made = made or bool(ran and ran[1])
        if made:
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
        try:
            preview = await self.bot.services.matching.preview(prog, interaction.user.id)
        except MatchingError as exc:
            raise UserFacingError(str(exc)) from None
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
        await self._tell_waiting(prog)
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

    async def _tell_waiting(self, prog: Programme) -> None:
        await tell_waiting(self.bot, prog)

    async def _people(self, prog: Programme, *refs: str) -> list[Member]:
        try:
            return [await self.bot.services.pairs.find(prog, ref) for ref in refs]
        except NotFound as exc:
            raise UserFacingError(f"I can't tell who that is: {exc}.") from None

    @organiser_only()
    @app_commands.command(name="pair", description="Pair two people by hand (members or imported people)")
    @app_commands.describe(mentor=WHO, mentee=WHO)
    async def pair(self, interaction: discord.Interaction, mentor: str, mentee: str,
                   programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = self.bot.services.matching
        a, b = await self._people(prog, mentor, mentee)
        refused = await svc.manual_refusal(prog, a.person_id, b.person_id)
        if refused is not None:  # consent is not an organiser's to override
            raise UserFacingError(f"I can't pair them: {refused}.")
        broken = await svc.check_manual(prog, a.person_id, b.person_id)
        if not broken:
            match_id = await svc.create_manual(prog, a.person_id, b.person_id, interaction.user.id, [])
            await interaction.followup.send(f"✅ Paired (match {match_id}); announcing now.", ephemeral=True)
            await self.announcer.run()
            return
        view = ConfirmPairView(self, prog, a.person_id, b.person_id, broken, interaction.user.id)
        await interaction.followup.send(
            "This pair breaks these rules:\n" + "\n".join(f"• {safe_text(r, 200)}" for r in broken)
            + "\nPair them anyway?", view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @app_commands.command(name="forbid", description="Never pair these two (every future round)")
    @app_commands.describe(mentor=WHO, mentee=WHO)
    async def forbid(self, interaction: discord.Interaction, mentor: str, mentee: str,
                     programme: str | None = None) -> None:
        await self._rule(interaction, mentor, mentee, programme, PairRuleKind.FORBID)

    @organiser_only()
    @app_commands.command(name="force", description="Pair these two in the next round, whatever the score")
    @app_commands.describe(mentor=WHO, mentee=WHO)
    async def force(self, interaction: discord.Interaction, mentor: str, mentee: str,
                    programme: str | None = None) -> None:
        await self._rule(interaction, mentor, mentee, programme, PairRuleKind.FORCE)

    async def _rule(self, interaction: discord.Interaction, mentor: str, mentee: str, programme: str | None,
                    kind: PairRuleKind) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        a, b = await self._people(prog, mentor, mentee)
        try:
            await self.bot.services.pairs.set_rule(prog, a, b, kind, interaction.user.id)
        except NotFound as exc:
            raise UserFacingError(f"Nothing changed: {exc}.") from None
        names = f"**{safe_text(a.display_name, 60)}** (mentor) and **{safe_text(b.display_name, 60)}** (mentee)"
        text = (f"🚫 {names} will never be paired." if kind == PairRuleKind.FORBID else
                f"📌 {names} will be paired in the next round (`/match preview` shows it first).")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @app_commands.command(name="remind", description="Send a quiet pair a friendly reminder in their space")
    @app_commands.describe(person="either of the two: " + WHO)
    async def remind(self, interaction: discord.Interaction, person: str, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        (who,) = await self._people(prog, person)
        pair = await self.bot.services.pairs.quiet_pair(prog, who, interaction.user.id)
        if pair is None:
            raise UserFacingError(f"{safe_text(who.display_name, 60)} is not in an active pair.")
        missed = await remind_pair(self.bot, prog, pair)
        unreached = " or ".join(safe_text(p.display_name, 60) for p in missed)
        text = "📨 Reminder sent." if not missed else ("📨 Reminder sent; " if len(missed) == 1 else "") + \
            f"I couldn't reach {unreached} (no space, and neither by DM nor in a private thread)."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    async def confirm_manual(self, interaction: discord.Interaction, prog: Programme, mentor_pid: int,
                             mentee_pid: int, broken: list[str]) -> None:
        await interaction.response.defer()  # before the database: the answer edits the question
        try:
            match_id = await self.bot.services.matching.create_manual(prog, mentor_pid, mentee_pid,
                                                                      interaction.user.id, broken)
        except ValueError as exc:
            await interaction.edit_original_response(content=f"Not paired: {safe_text(str(exc), 300)}.", view=None)
            return
        await interaction.edit_original_response(content=f"✅ Paired anyway (match {match_id}); announcing now.",
                                                 view=None)
        await self.announcer.run()

    @organiser_only()
    @app_commands.command(name="unpair", description="End a mentee's current match (or a match by its number)")
    @app_commands.describe(reason="a short note for the pair and the organisers (optional)",
                           match="the match's number, as the organisers' notices show it (instead of a mentee)")
    async def unpair(self, interaction: discord.Interaction, mentee: discord.Member | None = None, reason: str = "",
                     programme: str | None = None, match: int | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = self.bot.services.matching
        if match is None:
            active = await svc.active_match_of_mentee(prog, mentee.id) if mentee is not None else None
            if active is None:
                raise UserFacingError("They have no active match." if mentee is not None else
                                      "Say whose match to end: a mentee, or the match's number.")
            match = active
        try:
            ended = await self.bot.services.ending.end_match(prog, match, "organiser", interaction.user.id,
                                                             note=reason)
        except MatchNotFound as exc:
            raise UserFacingError(f"{safe_text(str(exc), 200)}.") from exc
        await interaction.followup.send(
            "Match ended: both were told, their space is archived and the mentor's place is free again."
            if ended is not None else "That match had already ended.", ephemeral=True)

    @organiser_only()
    @app_commands.command(name="list", description="Active pairs")
    async def list_(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await self.bot.services.matching.active_matches(prog)
        lines = [f"{safe_text(p.mentor_name or '?', 40)} → {safe_text(p.mentee_name or '?', 40)}"
                 f" · {p.score:.1f}" + (f" · <#{p.space_id}>" if p.space_id else "") for p in rows]
        text = "\n".join(lines) or "No active pairs yet."
        if len(text) > 1900:
            file = discord.File(io.BytesIO(text.encode()), filename="pairs.txt")
            await interaction.followup.send(f"{len(rows)} active pairs (attached).", file=file, ephemeral=True)
        else:
            await interaction.followup.send(f"**{len(rows)} active pairs**\n{text}", ephemeral=True,
                                            allowed_mentions=NO_PINGS)
