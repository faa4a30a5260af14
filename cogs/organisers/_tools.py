"""What the organiser cogs share: the re-check on buttons, and small formatting helpers."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.app import NotOrganiser
from bot.onboarding.safe_text import safe_text
from bot.services.programmes import Programme
from cogs._common import ORGANISER_EXTRA, bot_of, is_organiser


def organiser_group(name: str, description: str) -> discord.app_commands.Group:
    """A slash-command group marked as organisers-only (each sub-command is checked too)."""
    return discord.app_commands.Group(name=name, description=description, guild_only=True,
                                      extras={ORGANISER_EXTRA: True})


def component_programme(interaction: discord.Interaction[Any], pid: int) -> Programme:
    """For a button/select of an organiser message: the programme, after re-checking the clicker is one of
    its organisers in its own guild (:class:`NotOrganiser` otherwise: the error path refuses)."""
    programme = bot_of(interaction).services.programmes.by_id(pid)
    if programme is None or interaction.guild_id != programme.guild_id or not is_organiser(interaction.user, programme):
        raise NotOrganiser("not an organiser of this programme")
    return programme


def who(discord_id: int | None, name: str) -> str:
    """A person in organiser messages: their mention (no ping in embeds/with NO_PINGS) or their name."""
    return f"<@{discord_id}>" if discord_id else safe_text(name or "someone", 60)


def text_file(text: str, filename: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=filename)


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"
