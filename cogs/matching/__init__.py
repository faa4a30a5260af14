"""Matching: organisers preview and confirm rounds; confirmed pairs are announced exactly once."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.matching._cog import Matching
from cogs.matching._rematch import ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*ITEMS)
    await bot.add_cog(Matching(bot))
