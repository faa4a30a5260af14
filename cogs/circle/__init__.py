"""The mentor circle: a private channel per programme for everyone who mentors, the organisers and the coach
role, kept in step with the database (who mentors) by reconciling. Membership comes from
``bot.services.circle``; this cog writes the channel, the managed role and the difference."""

from __future__ import annotations

from bot.app import MentorBot
from cogs.circle._cog import Circle


async def setup(bot: MentorBot) -> None:
    await bot.add_cog(Circle(bot))
