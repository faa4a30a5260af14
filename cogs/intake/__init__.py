"""Hashtag intake from X: the poller job per programme, the organisers' lead queue and commands, and
linking a Discord member to their X post by claim code (``/link CODE`` or typed in the onboarding DM)."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.intake._cog import Intake


async def setup(bot: MentorBot) -> None:
    await bot.add_cog(Intake(bot))
