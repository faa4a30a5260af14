"""Surveys: the dispatch job and the persistent answer components. Answers go through
``bot.services.surveys``; the outcomes report is ``/programme report`` (cogs/organisers)."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.surveys._cog import Surveys
from cogs.surveys._views import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Surveys(bot))
