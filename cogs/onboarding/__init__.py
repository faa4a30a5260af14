"""Onboarding: joins and ``/join`` start the interview (its messages and buttons: :mod:`cogs.kit.interview`);
reminders after 24 h and 72 h without an answer. Typed answers arrive through the DM router (:mod:`cogs.dms`)."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.kit import interview
from cogs.onboarding._catchup import CatchUpCog
from cogs.onboarding._cog import Onboarding


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(*interview.ITEMS)
    await bot.add_cog(Onboarding(bot))
    await bot.add_cog(CatchUpCog(bot))
