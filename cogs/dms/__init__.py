"""Direct messages: one listener decides what each DM (or message in a private onboarding thread) is — a link
code typed instead of posted (told where it goes), an answer to the person's open interview, or neither (a
short help text)."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.dms._cog import DirectMessages


async def setup(bot: MentorBot) -> None:
    await bot.add_cog(DirectMessages(bot))
