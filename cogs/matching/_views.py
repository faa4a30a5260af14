"""The confirmation asked before a manual pair that breaks rules (short-lived: an organiser's decision)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.services.programmes import Programme
from cogs.kit.interactions import KitView

if TYPE_CHECKING:
    from cogs.matching._cog import Matching


class ConfirmPairView(KitView):
    def __init__(self, cog: Matching, prog: Programme, mentor_pid: int, mentee_pid: int, broken: list[str],
                 organiser_id: int) -> None:
        super().__init__(timeout=600)
        self.cog, self.prog = cog, prog
        self.mentor_pid, self.mentee_pid, self.broken = mentor_pid, mentee_pid, broken
        self.organiser_id = organiser_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.organiser_id:
            await interaction.response.send_message("Only the organiser who asked can confirm this.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Pair them anyway", style=discord.ButtonStyle.danger)
    async def go(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await self.cog.confirm_manual(interaction, self.prog, self.mentor_pid, self.mentee_pid, self.broken)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled — nothing changed.", view=None)
