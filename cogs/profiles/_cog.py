"""Members' self-service: ``/profile view|edit``, ``/pause``, ``/resume``, ``/mydata``, ``/leave``."""

from __future__ import annotations

import io
import json
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.onboarding.safe_text import (
    EMBED_FIELD_NAME,
    EMBED_FIELD_VALUE,
    SELECT_OPTION_DESCRIPTION,
    SELECT_OPTION_LABEL,
    fit_lines,
    fit_text,
    safe_text,
)
from bot.onboarding.validate import show_value
from bot.services.programmes import Programme
from cogs._common import pick_programme
from cogs.kit.messaging import NO_PINGS
from cogs.profiles._pause import tell_pause_over
from cogs.profiles._views import ChangeAnswerSelect, KeepButton, LeaveButton
from storage.models import MatchStatus, PersonStatus

log = logging.getLogger(__name__)


class Profiles(commands.Cog):
    profile = app_commands.Group(name="profile", description="See or change your mentoring profile")

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.files = bot.services.organisers

    async def cog_load(self) -> None:
        self.bot.add_periodic("pause-expiry", self.end_pauses, seconds=3600)

    async def end_pauses(self) -> None:
        """Pauses that ran out: everyone back in matching, each told once with the choice to take longer."""
        for programme in self.bot.services.programmes.all():
            for over in await self.bot.services.pauses.end_due(programme):
                await tell_pause_over(self.bot, over)

    def _programme(self, interaction: discord.Interaction, key: str | None) -> Programme:
        return pick_programme(self.bot, interaction.guild_id, key)

    @profile.command(name="ready", description="Confirm you completed something the round asks for (e.g. training)")
    @app_commands.describe(prerequisite="e.g. training", programme="which programme, when there are several")
    async def ready(self, interaction: discord.Interaction, prerequisite: str, programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        answer = await self.bot.services.rounds.confirm_ready(prog, interaction.user.id, prerequisite)
        if not answer.ok:
            raise UserFacingError(answer.reply)
        await interaction.response.send_message(answer.reply, ephemeral=True, allowed_mentions=NO_PINGS)

    @profile.command(name="view", description="See your answers (only you can see the reply)")
    @app_commands.describe(programme="which programme, when there are several")
    async def view(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await self.files.person_file(prog, interaction.user.id)
        if file is None:
            raise UserFacingError(prog.config.messages().profile.say("not_joined", programme=prog.config.name))
        words = prog.config.messages().profile
        embed = discord.Embed(title=words.say("profile_title", programme=prog.config.name)[:256],
                              colour=discord.Colour.blurple())
        status = words.status(str(file.person.status))
        if file.person.paused_until and file.person.status == PersonStatus.PAUSED:
            status = words.say("status_paused_until", until=f"{file.person.paused_until:%d %B %Y}")
        embed.add_field(name=words.status_field, value=status[:EMBED_FIELD_VALUE], inline=False)
        if file.profile is None:
            embed.description = words.unfinished
        else:
            for q in prog.questions:
                if q.key in file.profile.answers:
                    value = show_value(q, file.profile.answers[q.key])
                    embed.add_field(name=q.display_label[:EMBED_FIELD_NAME],
                                    value=fit_text(value, EMBED_FIELD_VALUE) or "—", inline=False)
        active = [words.say("match_as_mentor" if m.role == "mentor" else "match_as_mentee",
                            partner=safe_text(m.partner, 60)) for m in file.matches if m.status == MatchStatus.ACTIVE]
        if active:
            embed.add_field(name=words.match_field, value=fit_lines(active, EMBED_FIELD_VALUE), inline=False)
        embed.set_footer(text=words.profile_footer)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @profile.command(name="edit", description="Change one of your answers")
    @app_commands.describe(programme="which programme, when there are several")
    async def edit(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = await self.files.person_file(prog, interaction.user.id)
        if file is None or file.onboarding_status is None:
            raise UserFacingError(prog.config.messages().profile.say("not_joined", programme=prog.config.name))
        answers = file.profile.answers if file.profile else {}
        options = [discord.SelectOption(label=q.display_label[:SELECT_OPTION_LABEL], value=q.key,
                                        description=fit_text(show_value(q, answers[q.key]),
                                                             SELECT_OPTION_DESCRIPTION) or None)
                   for q in prog.questions if q.key in answers][:25]
        if not options:
            raise UserFacingError(prog.config.messages().profile.unfinished)
        words = prog.config.messages().profile
        view = discord.ui.View(timeout=None)
        view.add_item(ChangeAnswerSelect(prog.id, options, words.edit_menu))
        await interaction.followup.send(words.edit_prompt, view=view, ephemeral=True)

    @app_commands.command(name="pause", description="Take a break: no matching or check-ins for a while")
    @app_commands.describe(weeks="how many weeks (1–52)", programme="which programme, when there are several")
    async def pause(self, interaction: discord.Interaction, weeks: app_commands.Range[int, 1, 52] = 4,
                    programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        until = await self.bot.services.people.pause(prog, interaction.user.id, weeks)
        if until is None:
            raise UserFacingError(prog.config.messages().profile.say("not_joined", programme=prog.config.name))
        await interaction.followup.send(prog.config.messages().say(
            "paused", until=f"{until:%d %B %Y}", programme=safe_text(prog.config.name, 100)), ephemeral=True)

    @app_commands.command(name="resume", description="Come back from a pause")
    @app_commands.describe(programme="which programme, when there are several")
    async def resume(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await self.bot.services.people.resume(prog, interaction.user.id):
            raise UserFacingError(prog.config.messages().profile.not_paused)
        await interaction.followup.send(prog.config.messages().say(
            "resumed", programme=safe_text(prog.config.name, 100)), ephemeral=True)

    @app_commands.command(name="mydata", description="Download everything stored about you (sent by DM)")
    @app_commands.describe(programme="which programme, when there are several")
    async def mydata(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        words = prog.config.messages().profile
        data = await self.bot.services.people.export(prog, interaction.user.id)
        if data is None:
            raise UserFacingError(words.say("mydata_nothing", programme=prog.config.name))
        payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
        filename = f"{prog.key}-my-data.json"
        try:
            dm = await self.bot.pacer_create_dm(interaction.user)
            await self.bot.pacer_send(dm, content=words.say("mydata_dm", programme=safe_text(prog.config.name, 100)),
                                      file=discord.File(io.BytesIO(payload), filename), allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.info("could not DM data to %s: %s", interaction.user.id, exc)
            await interaction.followup.send(words.mydata_here,
                                            file=discord.File(io.BytesIO(payload), filename), ephemeral=True)
            return
        await interaction.followup.send(words.mydata_sent, ephemeral=True)

    @app_commands.command(name="leave", description="Leave the programme and delete your data")
    @app_commands.describe(programme="which programme, when there are several")
    async def leave(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = self._programme(interaction, programme)
        words = prog.config.messages().profile
        view = discord.ui.View(timeout=None)
        view.add_item(LeaveButton(prog.id, words.leave_button))
        view.add_item(KeepButton(prog.id, words.keep_button))
        await interaction.response.send_message(
            words.say("leave_confirm", programme=safe_text(prog.config.name, 100)), view=view, ephemeral=True)
