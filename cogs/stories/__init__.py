"""Share your story: the offer job (people who rated an ended match highly, once each), the write → choose →
preview → confirm components, and the organisers' channel as an outlet."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.stories._cog import Stories
from cogs.stories._views import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Stories(bot))
