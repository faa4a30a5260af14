"""A pause that ran out: the person is told (in the programme's voice) and may carry on or take longer."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.app import MentorBot
from bot.onboarding.safe_text import safe_text
from bot.services.pauses import PauseOver
from cogs._common import bot_of

log = logging.getLogger(__name__)
EXTEND_WEEKS = 2


def pause_over_view(pid: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CarryOnButton(pid))
    view.add_item(ExtendPauseButton(pid, EXTEND_WEEKS))
    return view


async def tell_pause_over(bot: MentorBot, over: PauseOver) -> bool:
    """DM the person; False when their DMs are closed (they are back in matching either way)."""
    text = over.programme.config.messages().say(
        "pause_over", name=safe_text(over.display_name, 60), programme=safe_text(over.programme.config.name, 60))
    try:
        user = bot.get_user(over.discord_user_id) or await bot.fetch_user(over.discord_user_id)
        await bot.pacer_send(await bot.pacer_create_dm(user), content=text, view=pause_over_view(over.programme.id),
                             allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        log.info("could not tell %s their pause is over: %s", over.discord_user_id, exc)
        return False
    return True


class CarryOnButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pauseok:(?P<pid>\d+)"):
    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Button(label="Carry on", style=discord.ButtonStyle.success,
                                           custom_id=f"pauseok:{pid}"))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> CarryOnButton:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Welcome back! 👋 You're in the next matching.", ephemeral=True)


class ExtendPauseButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                        template=r"pauseext:(?P<pid>\d+):(?P<weeks>\d{1,2})"):
    def __init__(self, pid: int, weeks: int) -> None:
        super().__init__(discord.ui.Button(label=f"Pause {weeks} more weeks", style=discord.ButtonStyle.secondary,
                                           custom_id=f"pauseext:{pid}:{weeks}"))
        self.pid, self.weeks = pid, weeks

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ExtendPauseButton:
        return cls(int(match["pid"]), max(1, min(int(match["weeks"]), 52)))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        until = await bot.services.people.pause(programme, interaction.user.id, self.weeks) if programme else None
        if until is None:
            await interaction.response.send_message("There's nothing to pause here any more.", ephemeral=True)
            return
        await interaction.response.send_message(
            f"Done — enjoy the break. I'll be back in touch after {until:%A %d %B}.",
            ephemeral=True)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (CarryOnButton, ExtendPauseButton)
