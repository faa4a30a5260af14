"""What the organiser cogs share: their services, the re-check on buttons, and small formatting helpers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.onboarding.safe_text import safe_text
from bot.services.organisers import OrganiserService
from bot.services.programmes import Programme
from bot.services.stats import StatsService
from cogs._common import ORGANISER_EXTRA, bot_of, is_organiser

if TYPE_CHECKING:
    from bot.app import MentorBot

NO_PINGS = discord.AllowedMentions.none()
REFUSAL = "This command is for the programme's organisers."
TOOLS_KEY = "organiser_tools"


@dataclass
class OrganiserTools:
    stats: StatsService
    organisers: OrganiserService


def tools(bot: MentorBot) -> OrganiserTools:
    """The organisers' services, built once per bot from its sessions, clock and programme registry.

    (Kept in ``bot.deps.extra`` until they move into :class:`bot.services.Services`.)
    """
    found = bot.deps.extra.get(TOOLS_KEY)
    if not isinstance(found, OrganiserTools):
        found = OrganiserTools(stats=bot.services.stats, organisers=bot.services.organisers)
        bot.deps.extra[TOOLS_KEY] = found
    return found


def organiser_group(name: str, description: str) -> discord.app_commands.Group:
    """A slash-command group marked as organisers-only (each sub-command is checked too)."""
    return discord.app_commands.Group(name=name, description=description, guild_only=True,
                                      extras={ORGANISER_EXTRA: True})


async def component_programme(interaction: discord.Interaction[Any], pid: int) -> Programme | None:
    """For a button/select of an organiser message: the programme, after re-checking the clicker is one of
    its organisers in its own guild (a refusal is sent otherwise)."""
    programme = bot_of(interaction).services.programmes.by_id(pid)
    if programme is None or interaction.guild_id != programme.guild_id or not is_organiser(interaction.user, programme):
        await interaction.response.send_message(REFUSAL, ephemeral=True)
        return None
    return programme


def who(discord_id: int | None, name: str) -> str:
    """A person in organiser messages: their mention (no ping in embeds/with NO_PINGS) or their name."""
    return f"<@{discord_id}>" if discord_id else safe_text(name or "someone", 60)


def text_file(text: str, filename: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=filename)


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"
