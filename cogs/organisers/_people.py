"""Organisers and people: ``/person``, ``/organiser pause|resume``, ``/onboarding stalled`` (+ re-nudge)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.onboarding.safe_text import safe_text
from bot.onboarding.validate import show_value
from bot.plural import count, form
from bot.services.organisers import PersonFile
from bot.services.programmes import Programme
from cogs._common import component_programme, organiser_only, organiser_programme
from cogs.kit import interview
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, reply
from cogs.kit.messaging import NO_PINGS
from cogs.organisers._tools import organiser_group, who

log = logging.getLogger(__name__)
RENUDGE_MAX = 200
LISTED = 20


def person_embed(programme: Programme, file: PersonFile) -> discord.Embed:
    person = file.person
    embed = discord.Embed(title=safe_text(person.display_name or "Someone", 100), colour=discord.Colour.blurple())
    status = person.status + (f" until {person.paused_until:%Y-%m-%d}" if person.paused_until else "")
    embed.add_field(name="Status", value=status, inline=True)
    embed.add_field(name="Onboarding", value=file.onboarding_status or "not started", inline=True)
    embed.add_field(name="DMs", value="closed" if person.dms_closed else "open", inline=True)
    if file.profile is not None:
        lines = []
        for q in programme.questions:
            if q.key in file.profile.answers:
                lines.append(f"**{q.display_label}**: {safe_text(show_value(q, file.profile.answers[q.key]), 150)}")
        embed.add_field(name=f"Profile (version {file.profile.version})", value="\n".join(lines)[:1024] or "—",
                        inline=False)
    else:
        embed.add_field(name="Profile", value="No profile yet.", inline=False)
    matches = [f"{m.status}: {m.role} with {safe_text(m.partner, 60)} (score {m.score:.0f})"
               + (f", ended: {safe_text(m.end_reason, 60)}" if m.end_reason else "")
               for m in file.matches]
    embed.add_field(name="Matches", value="\n".join(matches)[:1024] or "None yet.", inline=False)
    nudges = [f"{n.due_at:%Y-%m-%d} {safe_text(n.step, 80)} — {n.status}"
              + (f" → {n.answer}" if n.answer else "") for n in file.nudges]
    embed.add_field(name="Recent nudges", value="\n".join(nudges)[:1024] or "None.", inline=False)
    return embed


class RenudgeButton(PersistentItem[discord.ui.Button[Any]], prefix="renudge", fields={"pid": INTEGER}):
    """Re-send each stalled person their current question, with a friendly reminder."""

    def __init__(self, pid: int, label: str = "Re-nudge them") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=self.build_id(pid)))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> RenudgeButton:
        return cls(int(fields["pid"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programme = component_programme(interaction, self.pid)
        bot = bot_of(interaction)
        sent, failed = await renudge(bot, programme)
        await bot.services.organisers.record(
            programme, interaction.user.id, "onboarding.renudge", {"sent": sent, "failed": failed})
        await reply(interaction, f"Re-nudged {count(sent, 'person')}." + (f" {failed} could not be reached." if failed else ""))


async def renudge(bot: MentorBot, programme: Programme) -> tuple[int, int]:
    """Send every stalled, reachable, unpaused person their current step again. (sent, failed)."""
    stalled = await bot.services.stats.stalled(programme, limit=RENUDGE_MAX)
    preface = (f"👋 A reminder from the organisers of **{safe_text(programme.config.name, 100)}**: "
               "you're nearly there!")
    sent = failed = 0
    for person in stalled:
        if person.discord_user_id is None or person.paused:
            continue
        try:
            reached = await interview.show(bot, programme, person.discord_user_id, person.name, preface=preface)
        except discord.HTTPException as exc:
            log.warning("could not re-nudge %s: %s", person.discord_user_id, exc)
            reached = False
        if reached is None:
            continue
        sent, failed = (sent + 1, failed) if reached else (sent, failed + 1)
    return sent, failed


class PeopleCommands(commands.Cog):
    organiser = organiser_group("organiser", "Organisers' actions on one member")
    onboarding = organiser_group("onboarding", "Follow onboarding (organisers)")

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @organiser_only()
    @app_commands.command(name="person", description="A member's profile, matches and nudge history (organisers)")
    @app_commands.guild_only()
    @app_commands.describe(member="the member", programme="which programme, when this server runs several")
    async def person(self, interaction: discord.Interaction, member: discord.Member,
                     programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await self.bot.services.organisers.person_file(prog, member.id)
        if file is None:
            await interaction.followup.send(f"{member.mention} hasn't joined {safe_text(prog.config.name, 100)}.",
                                            ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await self.bot.services.organisers.record(prog, interaction.user.id, "person.view", {"person_id": file.person.person_id})
        await interaction.followup.send(embed=person_embed(prog, file), ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @organiser.command(name="pause", description="Pause a member: no matching or nudges for a while")
    @app_commands.describe(member="the member", weeks="how many weeks (1–52)",
                           end_match="also end their current match (both told, the space archived)")
    async def pause(self, interaction: discord.Interaction, member: discord.Member,
                    weeks: app_commands.Range[int, 1, 52] = 4, end_match: bool = False,
                    programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        until = await self.bot.services.people.pause(prog, member.id, weeks, actor=interaction.user.id,
                                                     end_matches=end_match)
        if until is None:
            raise UserFacingError(f"{member.display_name} isn't in {prog.config.name}.")
        ended = " Their match has ended (if they had one): both were told." if end_match else ""
        await interaction.followup.send(f"Paused {member.mention} until {until:%d %B %Y}.{ended}", ephemeral=True,
                                        allowed_mentions=NO_PINGS)

    @organiser_only()
    @organiser.command(name="resume", description="Resume a paused member")
    @app_commands.describe(member="the member")
    async def resume(self, interaction: discord.Interaction, member: discord.Member,
                     programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await self.bot.services.people.resume(prog, member.id):
            raise UserFacingError(f"{member.display_name} isn't paused.")
        await self.bot.services.organisers.record(prog, interaction.user.id, "person.resume_by_organiser",
                                                {"member": member.id})
        await interaction.followup.send(f"{member.mention} is back in the programme.", ephemeral=True,
                                        allowed_mentions=NO_PINGS)

    @organiser_only()
    @onboarding.command(name="stalled", description="People whose onboarding has stalled, with a re-nudge button")
    async def stalled(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        people = await self.bot.services.stats.stalled(prog, limit=RENUDGE_MAX + 1)
        await self.bot.services.organisers.record(prog, interaction.user.id, "onboarding.stalled", {"count": len(people)})
        if not people:
            await interaction.followup.send("Nobody's onboarding has stalled. 🎉", ephemeral=True)
            return
        shown = f"{RENUDGE_MAX}+" if len(people) > RENUDGE_MAX else str(len(people))
        lines = [f"{who(p.discord_user_id, p.name)} — idle {p.idle_hours} h, {count(p.reminders_sent, 'reminder')}"
                 + (" (paused)" if p.paused else "") for p in people[:LISTED]]
        if len(people) > LISTED:
            lines.append(f"… and {len(people) - LISTED} more")
        view = discord.ui.View(timeout=None)
        view.add_item(RenudgeButton(prog.id, label=f"Re-nudge {shown} {form(len(people), 'person')}"))
        await interaction.followup.send(f"**Stalled onboarding: {shown}**\n" + "\n".join(lines), view=view,
                                        ephemeral=True, allowed_mentions=NO_PINGS)
