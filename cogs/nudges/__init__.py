"""Nudges and check-ins: the dispatch job, persistent answer buttons, follow-ups and the weekly digest.
Other features plan and cancel nudges through ``bot.services.nudges``."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.nudges._batch import DYNAMIC_ITEMS as BATCH_ITEMS
from cogs.nudges._cog import Nudges
from cogs.nudges._views import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS, *BATCH_ITEMS)
    await bot.add_cog(Nudges(bot))
