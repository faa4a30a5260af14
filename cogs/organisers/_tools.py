"""What the organiser cogs share: the organisers-only command group and small formatting helpers."""

from __future__ import annotations

import io

import discord

from bot.onboarding.safe_text import safe_text
from cogs._common import ORGANISER_EXTRA


def organiser_group(name: str, description: str) -> discord.app_commands.Group:
    """A slash-command group marked as organisers-only (each sub-command is checked too)."""
    return discord.app_commands.Group(name=name, description=description, guild_only=True,
                                      extras={ORGANISER_EXTRA: True})


def who(discord_id: int | None, name: str) -> str:
    """A person in organiser messages: their mention (no ping in embeds/with NO_PINGS) or their name."""
    return f"<@{discord_id}>" if discord_id else safe_text(name or "someone", 60)


def text_file(text: str, filename: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=filename)


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"
