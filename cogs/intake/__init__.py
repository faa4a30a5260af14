"""Hashtag intake from X, Bluesky and Mastodon: a poller job per programme and platform, the organisers' lead
queue and commands, and linking a Discord member to their post by claim code (``/link CODE`` or typed in the
onboarding DM)."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.intake._cog import Intake


async def setup(bot: MentorBot) -> None:
    await bot.add_cog(Intake(bot))
