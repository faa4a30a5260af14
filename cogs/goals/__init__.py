"""A pair's goals: ``/goals view`` (see them, record progress, the mentee changes them), ``/goals overview``
for organisers, and the persistent goal components (cogs/kit/goals.py) registered once."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.goals._cog import Goals
from cogs.kit.goals import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Goals(bot))
