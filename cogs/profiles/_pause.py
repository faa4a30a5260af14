"""A pause that ran out: the person is told (in the programme's voice) and may carry on or take longer."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app import MentorBot
from bot.onboarding.safe_text import safe_text
from bot.services.pauses import PauseOver
from bot.services.programmes import Programme
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, label_of, reply
from cogs.kit.messaging import NO_PINGS, send_privately_to

log = logging.getLogger(__name__)
EXTEND_WEEKS = 2


def pause_over_view(programme: Programme) -> discord.ui.View:
    voice = programme.config.messages()
    view = discord.ui.View(timeout=None)
    view.add_item(CarryOnButton(programme.id, voice.say("pause_carry_on")))
    view.add_item(ExtendPauseButton(programme.id, EXTEND_WEEKS, voice.say("pause_extend", weeks=EXTEND_WEEKS)))
    return view


async def tell_pause_over(bot: MentorBot, over: PauseOver) -> bool:
    """Tell the person by DM, or with DMs closed in their own private thread (:func:`send_privately_to`: closed
    DMs remembered, the organisers told once, and of someone nothing could reach); False when nothing reached
    them (they are back in matching either way)."""
    text = over.programme.config.messages().say(
        "pause_over", name=safe_text(over.display_name, 60), programme=safe_text(over.programme.config.name, 60))
    try:
        sent, _ = await send_privately_to(bot, over.programme, over.who, None, about="to say their break is over",
                                          content=text, view=pause_over_view(over.programme),
                                          allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        log.info("could not tell %s their pause is over: %s", over.discord_user_id, exc)
        return False
    return sent is not None


class CarryOnButton(PersistentItem[discord.ui.Button[Any]], prefix="pauseok", fields={"pid": INTEGER}):
    ack = "none"  # the answer needs no database

    def __init__(self, pid: int, label: str = "Carry on") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.success,
                                           custom_id=self.build_id(pid)))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> CarryOnButton:
        return cls(int(fields["pid"]), label_of(item, "Carry on"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        programmes = bot_of(interaction).services.programmes
        programme = programmes.by_id(self.pid)  # in memory: no database
        if programme is None:
            await reply(interaction, programmes.gone_text())
            return
        await reply(interaction, programme.config.messages().say(  # as /resume answers
            "resumed", programme=safe_text(programme.config.name, 100)))


class ExtendPauseButton(PersistentItem[discord.ui.Button[Any]], prefix="pauseext",
                        fields={"pid": INTEGER, "weeks": "[0-9]{1,2}"}):
    def __init__(self, pid: int, weeks: int, label: str = "") -> None:
        super().__init__(discord.ui.Button(label=label or f"Pause {weeks} more weeks",
                                           style=discord.ButtonStyle.secondary, custom_id=self.build_id(pid, weeks)))
        self.pid, self.weeks = pid, weeks

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> ExtendPauseButton:
        return cls(int(fields["pid"]), max(1, min(int(fields["weeks"]), 52)), label_of(item, ""))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        until = await bot.services.people.pause(programme, interaction.user.id, self.weeks) if programme else None
        if programme is None:
            await reply(interaction, bot.services.programmes.gone_text())
            return
        if until is None:
            await reply(interaction, programme.config.messages().profile.nothing_to_pause)
            return
        await reply(interaction, programme.config.messages().say(  # as /pause answers
            "paused", until=f"{until:%d %B %Y}", programme=safe_text(programme.config.name, 100)))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (CarryOnButton, ExtendPauseButton)
