"""The organisers' web dashboard (``[dashboard]`` in the config; off by default): served by this process, on
this event loop, with the bot's own services. Sign-in with Discord; organisers only."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.dashboard._cog import DashboardCog


async def setup(bot: MentorBot) -> None:
    if bot.settings.config.dashboard.enabled:
        await bot.add_cog(DashboardCog(bot))
