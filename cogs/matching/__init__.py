"""Matching: organisers preview and confirm rounds; confirmed pairs are announced exactly once."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.matching._cog import Matching


async def setup(bot: MentorBot) -> None:
    await bot.add_cog(Matching(bot))
