"""``/programme setup``, ``/programme stats``, ``/programme report`` and ``/programme doctor``."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, NotOrganiser, UserFacingError
from bot.doctor import DiscordRefused, diagnose
from bot.onboarding.safe_text import safe_text
from bot.outcomes import MIN_RESPONDENTS
from bot.services.outcomes import ReportError
from bot.services.rounds import RoundError
from cogs._common import organiser_only, organiser_programme
from cogs.kit.messaging import NO_PINGS
from cogs.organisers._setup import SetupView
from cogs.organisers._stats import stats_chart, stats_embed
from cogs.organisers._tools import organiser_group


class BotRest:
    """The doctor's Discord reader on discord.py's HTTP client (the running bot's token and rate limits)."""

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    async def get(self, path: str) -> Any:
        try:
            return await self.bot.http.request(discord.http.Route("GET", path))
        except discord.HTTPException as exc:
            raise DiscordRefused(exc.status, exc.code, exc.text) from exc


def _report_day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserFacingError(f"{option}: {value[:20]!r} is not a date like 2026-09-01.") from None


def _chunks(text: str, size: int = 1900) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        if out and len(out[-1]) + len(line) + 1 <= size:
            out[-1] += "\n" + line
        else:
            out.append(line[:size])
    return out


class ProgrammeCommands(commands.Cog):
    programme = organiser_group("programme", "Set up and follow the mentoring programme (organisers)")
    round = app_commands.Group(name="round", description="Intake rounds: open, close, mark prerequisites",
                               parent=programme)

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot

    @organiser_only()
    @programme.command(name="setup", description="Create or change this server's mentoring programme")
    @app_commands.describe(programme="the programme to change (leave empty for this server's only one, "
                                     "or give a new key to create another)")
    async def setup(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        guild = interaction.guild
        assert guild is not None and isinstance(interaction.user, discord.Member)
        refused = self.bot.services.programmes.fence.guild_refusal(guild.id)
        if refused is not None:  # set-up elsewhere is ignored, and the person is told why
            await interaction.response.send_message(f"I can't run a programme here: {refused}.", ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
            return
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
    @programme.command(name="doctor", description="Check the bot's permissions, intents, channels, role and "
                                                  "X/Bluesky/Mastodon access")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def doctor(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        made = self.bot.services.intake.clients.client_factories
        checklist = await diagnose([prog.config], BotRest(self.bot), x_client_factory=made["x"],
                                   bluesky_client_factory=made["bluesky"], mastodon_client_factory=made["mastodon"])
        for chunk in _chunks(checklist.text()):
            await interaction.followup.send(chunk, ephemeral=True, allowed_mentions=NO_PINGS)

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

    @organiser_only()
    @programme.command(name="report", description="Outcomes for funders: a chart, anonymised answers (CSV) and "
                                                  "a summary")
    @app_commands.describe(round="the round (1 = the first); default: every round",
                           since="answers from this date, YYYY-MM-DD", until="answers up to this date, YYYY-MM-DD",
                           programme="which programme, when this server runs several")
    async def report(self, interaction: discord.Interaction, round: app_commands.Range[int, 1, 1000] | None = None,
                     since: str | None = None, until: str | None = None, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        first, last = _report_day(since, "since"), _report_day(until, "until")
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            made = await self.bot.services.outcomes.produce(prog, round_number=round, since=first, until=last,
                                                            actor_discord_id=interaction.user.id)
        except ReportError as exc:
            raise UserFacingError(str(exc)) from None
        o = made.outcomes
        text = (f"📊 **{safe_text(o.programme, 100)} — outcomes ({safe_text(o.scope, 80)})**: "
                f"{o.respondents} people answered at least one survey. The chart, the anonymised answers and a "
                f"summary you can share are attached; figures resting on fewer than {MIN_RESPONDENTS} people are "
                "withheld.")
        files = [discord.File(io.BytesIO(data), filename=name) for name, data in made.files]
        await interaction.followup.send(text, files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @round.command(name="open", description="Open an intake round (then close it and /match preview it)")
    @app_commands.describe(name="e.g. Round 2", prerequisites="what people must complete first, comma-separated "
                           "(e.g. training)", closes="closing date, YYYY-MM-DD: people who finish joining later "
                           "wait for the next round", starts="start date, YYYY-MM-DD (default today): the round "
                           "is not matched before it",
                           programme="which programme, when this server runs several")
    async def round_open(self, interaction: discord.Interaction, name: str, prerequisites: str = "",
                         closes: str | None = None, starts: str | None = None,
                         programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        dates: list[date | None] = []
        for text in (starts, closes):
            try:
                dates.append(date.fromisoformat(text) if text else None)
            except ValueError:
                raise UserFacingError(f"'{text}' is not a date like 2026-12-31.") from None
        opens_on, closes_on = dates[0] or self.bot.clock.now().date(), dates[1]
        try:
            row = await self.bot.services.rounds.open(
                prog, name, prerequisites.split(","), opens_on=opens_on, closes_on=closes_on,
                actor=interaction.user.id)
        except RoundError as exc:
            raise UserFacingError(str(exc)) from None
        needs = ", ".join(row.prerequisites) or "nothing"
        await interaction.response.send_message(
            f"✅ **{row.name}** is open"
            + (f" from {row.opens_on:%d %B %Y}" if row.opens_on and row.opens_on > self.bot.clock.now().date() else "")
            + (f" until {row.closes_on:%d %B %Y}" if row.closes_on else "")
            + f". Before matching, people need: {needs} (they confirm with `/profile ready`, or mark them with "
            "`/programme round ready`).", ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @round.command(name="close", description="Close the open round so it can be matched")
    @app_commands.describe(programme="which programme, when this server runs several")
    async def round_close(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        try:
            row = await self.bot.services.rounds.close(prog, interaction.user.id)
        except RoundError as exc:
            raise UserFacingError(str(exc)) from None
        await interaction.response.send_message(
            f"✅ **{row.name}** is closed. `/match preview` matches the people who are ready; the others stay "
            "for the next round.", ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @round.command(name="ready", description="Mark that someone completed a prerequisite (e.g. training)")
    @app_commands.describe(member="who", prerequisite="e.g. training",
                           programme="which programme, when this server runs several")
    async def round_ready(self, interaction: discord.Interaction, member: discord.Member, prerequisite: str,
                          programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        try:
            await self.bot.services.rounds.mark_done(prog, member.id, prerequisite, by=interaction.user.id)
        except RoundError as exc:
            raise UserFacingError(str(exc)) from None
        await interaction.response.send_message(f"✅ {member.mention}: {prerequisite} recorded.", ephemeral=True,
                                                allowed_mentions=NO_PINGS)
