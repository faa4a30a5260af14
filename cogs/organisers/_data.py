"""``/export`` (profiles and matches as CSV) and ``/import`` (a spreadsheet of profiles)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.onboarding.safe_text import clean_input, neutralise_mentions, truncate
from bot.plural import count, form
from bot.services.organisers import ImportReport
from cogs._common import organiser_only, organiser_programme
from cogs.kit.messaging import NO_PINGS
from cogs.organisers._tools import text_file

MAX_IMPORT_BYTES = 5 * 1024 * 1024
SHOWN_PROBLEMS = 15


def plain(text: str, limit: int) -> str:
    """The organiser's own file's text, shown as is (one line, no control characters, never pinging:
    answers go out with no allowed mentions)."""
    return neutralise_mentions(truncate(clean_input(text), limit))


def import_summary(report: ImportReport) -> str:
    lines = [f"Imported **{count(report.imported, 'profile')}**."]
    if report.already:
        lines.append(f"{count(report.already, 'row')} {form(report.already, 'is', 'are')} people already in the programme: left as they are.")
    if report.history_pairs:
        lines.append(f"Recorded {count(report.history_pairs, 'earlier pair')} from the `previous` column.")
    if report.unknown_previous:
        lines.append(f"{count(report.unknown_previous, '`previous` id')} {form(report.unknown_previous, 'names', 'name')} "
                     f"nobody in the file and {form(report.unknown_previous, 'was')} ignored.")
    if report.problems:
        lines.append(f"**{count(len(report.problems), 'row')} {form(len(report.problems), 'was')} not imported:**")
        lines.extend(f"• {plain(str(p), 300)}" for p in report.problems[:SHOWN_PROBLEMS])
        if len(report.problems) > SHOWN_PROBLEMS:
            lines.append("… the full list is attached.")
    if report.without_consent:
        n = report.without_consent
        lines.append(f"⚠️ {count(n, 'imported person', 'imported people')} {form(n, 'has', 'have')} not agreed to be "
                     f"matched yet (a spreadsheet can't give consent), so they can't be matched "
                     "or paired by hand until they join the server and finish the interview, which asks for it.")
        linked, unlinked = report.with_username, n - report.with_username
        if linked:
            lines.append(f"🔗 {count(linked, 'of them', 'of them')} {form(linked, 'has', 'have')} a Discord username: "
                         f"when {form(linked, 'that member joins', 'those members join')} (or {form(linked, 'uses', 'use')} "
                         "`/join`), the interview starts pre-filled with the imported answers.")
        if unlinked:
            lines.append(f"{count(unlinked, 'row')} {form(unlinked, 'has', 'have')} no `discord` cell (the person's "
                         "Discord username): fill it in and import the file again to link them when they join.")
    if report.merged:
        n = len(report.merged)
        names = ", ".join(plain(name, 60) for name in report.merged[:10]) + (" …" if n > 10 else "")
        lines.append(f"🔗 {count(n, 'row')} {form(n, 'is', 'are')} {form(n, 'a member', 'members')} who had already "
                     f"joined the server ({names}): merged with {form(n, 'their existing record', 'their existing records')}, "
                     "not added twice. Answers they gave the bot themselves stand; an interview still under way "
                     "offers the spreadsheet's answers.")
    if report.usernames_added:
        n = report.usernames_added
        lines.append(f"🔗 {count(n, 'person', 'people')} imported before now {form(n, 'has', 'have')} a Discord "
                     "username: they are linked when they join.")
    return "\n".join(lines)


class DataCommands(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @organiser_only()
    @app_commands.command(name="export", description="Download profiles and matches as CSV (organisers)")
    @app_commands.guild_only()
    @app_commands.describe(what="profiles, matches or both", programme="which programme, when there are several")
    @app_commands.choices(what=[app_commands.Choice(name=n, value=n) for n in ("both", "profiles", "matches")])
    async def export(self, interaction: discord.Interaction, what: str = "both", programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        service = self.bot.services.organisers
        files, counts = [], {}
        if what in ("both", "profiles"):
            text, counts["profiles"] = await service.export_profiles_csv(prog)
            files.append(text_file(text, f"{prog.key}-profiles.csv"))
        if what in ("both", "matches"):
            text, counts["matches"] = await service.export_matches_csv(prog)
            files.append(text_file(text, f"{prog.key}-matches.csv"))
        await service.record(prog, interaction.user.id, "profiles.export", counts)
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        await interaction.followup.send(
            f"Here you are: {summary}. The profiles file is the CSV of `python -m bot match` "
            "(ids are the bot's person ids). It holds personal data — keep it safe.",
            files=files, ephemeral=True)

    @organiser_only()
    @app_commands.command(name="import", description="Import profiles from a CSV (the format of /export)")
    @app_commands.guild_only()
    @app_commands.describe(file="a CSV with the columns id,name,role,phase,subjects,stage,timezone,...",
                           programme="which programme, when there are several")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment,
                      programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if file.size > MAX_IMPORT_BYTES:
            raise UserFacingError(f"That file is {file.size // 1024} KB; the limit is {MAX_IMPORT_BYTES // 1024} KB.")
        try:
            text = (await file.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UserFacingError("That file isn't UTF-8 text — save the spreadsheet as “CSV UTF-8”.") from None
        except discord.HTTPException:
            raise UserFacingError("I couldn't download that file — please try again.") from None
        # the server's members by username: a row naming someone who has already joined is merged with them
        members = {m.name.lower(): m.id for m in interaction.guild.members if not m.bot} \
            if interaction.guild is not None else {}
        report = await self.bot.services.organisers.import_profiles_csv(prog, text, actor=interaction.user.id,
                                                                        server_members=members)
        summary = import_summary(report)
        files = []
        if len(report.problems) > SHOWN_PROBLEMS or len(summary) > 1900:
            files.append(text_file("\n".join(str(p) for p in report.problems) + "\n", "import-problems.txt"))
            summary = summary[:1900]
        await interaction.followup.send(summary, files=files, ephemeral=True, allowed_mentions=NO_PINGS)
