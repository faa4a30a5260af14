"""Members' own data: view and edit the profile, pause and resume, download, leave."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.profiles._cog import Profiles
from cogs.profiles._pause import DYNAMIC_ITEMS as PAUSE_ITEMS
from cogs.profiles._views import DYNAMIC_ITEMS


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS, *PAUSE_ITEMS)
    await bot.add_cog(Profiles(bot))
