"""``/event create|list|cancel|attendance`` (organisers), the periodic run and "Interested" marks from Discord."""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import MentorBot, UserFacingError
from bot.onboarding.safe_text import safe_text
from bot.services.events import EventDraft, EventError
from cogs._common import ORGANISER_EXTRA, organiser_only, organiser_programme
from cogs.events._discord import DiscordEvents
from cogs.kit.messaging import NO_PINGS
from storage.models import EventAudience, EventKind

log = logging.getLogger(__name__)

JOB_NAME = "event-run"
RUN_SECONDS = 60
KINDS = [app_commands.Choice(name="development day", value=EventKind.DEVELOPMENT_DAY.value),
         app_commands.Choice(name="webinar", value=EventKind.WEBINAR.value),
         app_commands.Choice(name="cohort training", value=EventKind.TRAINING.value)]
AUDIENCES = [app_commands.Choice(name="everyone", value=EventAudience.EVERYONE.value),
             app_commands.Choice(name="mentors only", value=EventAudience.MENTORS.value),
             app_commands.Choice(name="the current round", value=EventAudience.ROUND.value)]


def _when(day: str, time: str) -> datetime:
    """The organiser's wall-clock time, naive on purpose: the service reads it in their time zone."""
    try:
        return datetime.strptime(f"{day.strip()} {time.strip()}", "%Y-%m-%d %H:%M")  # noqa: DTZ007
    except ValueError:
        raise UserFacingError("I couldn't read that date and time: give the date as 2026-11-14 and the time as "
                              "10:00 (24-hour clock).") from None


class Events(commands.Cog):
    event = app_commands.Group(name="event", description="Programme events: development days, webinars, training",
                               guild_only=True, extras={ORGANISER_EXTRA: True})

    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.discord = DiscordEvents(bot)

    async def cog_load(self) -> None:
        self.bot.add_periodic(JOB_NAME, self.run, seconds=RUN_SECONDS)

    async def run(self) -> None:
        if self.bot.is_ready():
            await self.bot.services.events.run(self.discord)

    @commands.Cog.listener()
    async def on_scheduled_event_user_add(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self.bot.services.events.record_interest(event.guild_id, event.id, user.id, True)

    @commands.Cog.listener()
    async def on_scheduled_event_user_remove(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self.bot.services.events.record_interest(event.guild_id, event.id, user.id, False)

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        await self.bot.services.events.cancelled_in_discord(event.guild_id, event.id)

    @commands.Cog.listener()
    async def on_scheduled_event_update(self, before: discord.ScheduledEvent, after: discord.ScheduledEvent) -> None:
        if after.status is discord.EventStatus.cancelled and before.status is not discord.EventStatus.cancelled:
            await self.bot.services.events.cancelled_in_discord(after.guild_id, after.id)

    @organiser_only()
    @event.command(name="create", description="Create a programme event (a Discord Scheduled Event) with reminders")
    @app_commands.describe(
        title="what it is called", kind="development day, webinar or cohort training",
        date="the day, e.g. 2026-11-14", time="the start, 24-hour clock, e.g. 10:00 (in your time zone)",
        hours="how long it lasts, in hours", link="online: its link (https://…)", place="in person: where",
        voice="online in this server: the voice channel",
        audience="who it is for", prerequisite="training: the round prerequisite attending satisfies, e.g. training",
        timezone="your time zone if not the one in your profile, e.g. Europe/London")
    @app_commands.choices(kind=KINDS, audience=AUDIENCES)
    async def create(self, interaction: discord.Interaction, title: str, kind: str, date: str, time: str,
                     hours: app_commands.Range[float, 0.25, 24.0] = 2.0, link: str | None = None,
                     place: str | None = None, voice: discord.VoiceChannel | None = None, audience: str = EventAudience.EVERYONE.value,
                     prerequisite: str | None = None, timezone: str | None = None,
                     programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        if sum(1 for given in (link, place, voice) if given) != 1:
            raise UserFacingError("Give one of: a link (online), a voice channel (online, here) or a place (in person).")
        await interaction.response.defer(ephemeral=True, thinking=True)
        events = self.bot.services.events
        zone = timezone or await events.organiser_zone(prog, interaction.user.id) or "UTC"
        draft = EventDraft(title=title, kind=EventKind(kind), local_start=_when(date, time), zone=zone, hours=hours,
                           online=not place, location=link or (f"<#{voice.id}>" if voice else place) or "", audience=EventAudience(audience),
                           prerequisite=prerequisite)
        try:
            row = await events.create(prog, draft, self.discord, by=interaction.user.id)
        except EventError as exc:
            raise UserFacingError(str(exc)) from None
        points = ", ".join(prog.config.events.reminders) or "none"
        await interaction.followup.send(
            f"📅 Created **{safe_text(row.title, 100)}** (#{row.id}) for {audience.replace('_', ' ')}: "
            f"{_when(date, time):%A %d %B %Y, %H:%M} ({zone}). It is in the server's event list; reminders go out "
            f"{points} before, in each person's daytime.", ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @event.command(name="list", description="Upcoming events with who is interested, going or not")
    async def list(self, interaction: discord.Interaction, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await self.bot.services.events.summaries(prog)
        if not rows:
            await interaction.followup.send("No upcoming events — create one with `/event create`.", ephemeral=True)
            return
        lines = [f"**#{s.event.id} {safe_text(s.event.title, 80)}** · {s.event.kind.replace('_', ' ')} · "
                 f"<t:{int(s.event.starts_at.timestamp())}:F> · {s.event.audience} · {s.event.status} — "
                 f"{s.interested} interested, {s.going} going, {s.declined} can't, {s.reminders_sent} reminders sent"
                 for s in rows]
        await interaction.followup.send("\n".join(lines)[:2000], ephemeral=True, allowed_mentions=NO_PINGS)

    @organiser_only()
    @event.command(name="cancel", description="Cancel an upcoming event (everyone interested is told)")
    @app_commands.describe(event="the event's number (see /event list)")
    async def cancel(self, interaction: discord.Interaction, event: int, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            told = await self.bot.services.events.cancel(prog, event, self.discord, by=interaction.user.id)
        except EventError as exc:
            raise UserFacingError(str(exc)) from None
        await interaction.followup.send(f"Cancelled event #{event}; {told} interested people will be told.",
                                        ephemeral=True)

    @organiser_only()
    @event.command(name="attendance", description="Mark whether a member attended an event")
    @app_commands.describe(event="the event's number (see /event list)", member="the member",
                           attended="whether they came")
    async def attendance(self, interaction: discord.Interaction, event: int, member: discord.Member,
                         attended: bool = True, programme: str | None = None) -> None:
        prog = organiser_programme(interaction, programme)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = await self.bot.services.events.mark_attendance(prog, event, member.id, attended,
                                                                  by=interaction.user.id)
        except EventError as exc:
            raise UserFacingError(str(exc)) from None
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
