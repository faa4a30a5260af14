"""Persistent components of the member commands: pick an answer to change, confirm leaving."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.onboarding.safe_text import safe_text
from bot.plural import count, form
from bot.services.people import LeaveResult
from bot.services.programmes import Programme
from cogs.kit import interview
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, reply, selected
from cogs.kit.messaging import NO_PINGS, open_dm, tell_organisers

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)


async def start_change(bot: MentorBot, programme: Programme, user: discord.abc.User, key: str) -> str:
    """Re-open one answer in the person's interview and send the question where it lives (their DMs)."""
    reached = await interview.show(bot, programme, user.id, user.display_name, action="change", key=key)
    if reached is None:
        return interview.NO_INTERVIEW
    if not reached:
        return "I couldn't reach you — please open your DMs to this server's members and try again."
    return "I've sent you that question in our conversation (your DMs, or your private onboarding thread)."


class ChangeAnswerSelect(PersistentItem[discord.ui.Select[Any]], prefix="profedit", fields={"pid": INTEGER}):
    def __init__(self, pid: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(custom_id=self.build_id(pid), placeholder="Which answer?",
                                           options=options or [discord.SelectOption(label="-")]))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> ChangeAnswerSelect:
        return cls(int(fields["pid"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        values = selected(interaction)
        if programme is None or not values:
            await reply(interaction, "That programme no longer exists.")
            return
        await reply(interaction, await start_change(bot, programme, interaction.user, values[0]))


class LeaveButton(PersistentItem[discord.ui.Button[Any]], prefix="leave", fields={"pid": INTEGER}):
    """Deletes the data of whoever presses it (the button sits on an ephemeral message only they see)."""

    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Button(label="Yes, delete my data", style=discord.ButtonStyle.danger,
                                           custom_id=self.build_id(pid)))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> LeaveButton:
        return cls(int(fields["pid"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        if programme is None:
            await reply(interaction, "That programme no longer exists.")
            return
        result = await bot.services.people.leave(programme, interaction.user.id)
        if not result.found:
            await reply(interaction, "There's nothing stored about you in this programme.")
            return
        await tell_partners(bot, programme, result)
        await reply(interaction,
                    f"Your data in **{safe_text(programme.config.name, 100)}** has been deleted. Thank you for taking "
                    "part — you're welcome back any time with `/join`.")


class KeepButton(PersistentItem[discord.ui.Button[Any]], prefix="leaveno", fields={"pid": INTEGER}):
    ack = "none"  # the answer needs no database

    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Button(label="No, keep it", style=discord.ButtonStyle.secondary,
                                           custom_id=self.build_id(pid)))
        self.pid = pid

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> KeepButton:
        return cls(int(fields["pid"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.edit_message(content="Nothing was deleted. 👍", view=None)


async def tell_partners(bot: MentorBot, programme: Programme, result: LeaveResult) -> None:
    """A kind note to each partner of the person who left (DM, else their pair space), then the organisers."""
    name = safe_text(programme.config.name, 100)
    note = (f"Hi! Your mentoring partner in **{name}** has decided to leave the programme, so your match has "
            "ended. This isn't about you — people's circumstances change. The organisers know and will help you "
            "find a new partner; there's nothing you need to do.")
    for ended in result.ended:
        delivered = False
        if ended.partner_discord_id is not None:
            try:
                await bot.pacer_send(await open_dm(bot, ended.partner_discord_id), content=note,
                                     allowed_mentions=NO_PINGS)
                delivered = True
            except discord.HTTPException as exc:
                log.info("could not DM partner %s: %s", ended.partner_discord_id, exc)
        if not delivered and ended.space_id is not None:
            channel = bot.get_channel(ended.space_id)
            if isinstance(channel, discord.abc.Messageable):
                try:
                    await bot.pacer_send(channel, content=note, allowed_mentions=NO_PINGS)
                except discord.HTTPException as exc:
                    log.info("could not post in pair space %s: %s", ended.space_id, exc)
    partners = [f"<@{e.partner_discord_id}>" if e.partner_discord_id else "an imported member" for e in result.ended]
    text = f"👋 A member left **{name}** and their data was deleted."
    if partners:
        text += (f" {count(len(partners), 'match')} ended; {form(len(partners), 'their partner was', 'their partners were')}"
                 f" told and may need a new match: ") \
                + ", ".join(partners) + "."
    await tell_organisers(bot, programme, text)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ChangeAnswerSelect, LeaveButton, KeepButton)
