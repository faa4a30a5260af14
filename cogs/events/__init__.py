"""Programme events: ``/event create|list|cancel|attendance`` for organisers, the periodic run (start, end,
reminders, messages), "Interested" marks from Discord, and the persistent reminder and feedback buttons."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.events._cog import Events
from cogs.events._views import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Events(bot))
