"""What the dashboard asks of the Discord side of the process (implemented in ``cogs/dashboard`` with
discord.py): whether a person organises a programme, and the Discord follow-ups of an action that the slash
commands do too (announce new pairs, tell people left out of a round why)."""

from __future__ import annotations

from typing import Protocol

from bot.services.programmes import Programme


class DiscordUnavailable(Exception):
    """Discord could not answer whether someone is an organiser (the request is refused, not guessed)."""


class DiscordSide(Protocol):
    async def is_organiser(self, user_id: int, programme: Programme) -> bool:
        """The programme's organiser role (or Manage Server) in its guild, as Discord says now."""

    async def member_names(self, programme: Programme, user_ids: set[int]) -> dict[int, str]:
        """Display names of members of the programme's server (those Discord knows; others are left out)."""

    async def announce_pairs(self) -> None:
        """Create the private spaces and introductions of newly confirmed pairs (as after ``/match confirm``)."""

    async def tell_waiting(self, programme: Programme) -> None:
        """DM the people left out of the round just matched why (as after ``/match confirm``)."""
