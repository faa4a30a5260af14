"""Organisers' slash commands: programme set-up and stats, people, onboarding, CSV export/import, audit.

Every command is marked and checked with :func:`cogs._common.organiser_only` (the organiser role or Manage
Server, on every call) and then re-checked for the programme it acts on; buttons re-check on every click.
"""

from __future__ import annotations

from bot.app import MentorBot
from cogs.organisers._audit import AuditCommands, AuditPageButton
from cogs.organisers._data import DataCommands
from cogs.organisers._people import PeopleCommands, RenudgeButton
from cogs.organisers._programme import ProgrammeCommands


async def setup(bot: MentorBot) -> None:
    bot.add_dynamic_items(AuditPageButton, RenudgeButton)
    await bot.add_cog(ProgrammeCommands(bot))
    await bot.add_cog(PeopleCommands(bot))
    await bot.add_cog(DataCommands(bot))
    await bot.add_cog(AuditCommands(bot))
