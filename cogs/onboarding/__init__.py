"""Onboarding in DMs (or a private thread when DMs are closed)."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.onboarding._catchup import CatchUpCog
from cogs.onboarding._cog import Onboarding
from cogs.onboarding._views import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Onboarding(bot))
    await bot.add_cog(CatchUpCog(bot))
