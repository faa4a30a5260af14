"""Persistent components of the member commands: pick an answer to change, confirm leaving."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.onboarding.safe_text import safe_text
from bot.services.people import LeaveResult
from bot.services.programmes import Programme
from cogs._common import bot_of
from cogs.onboarding._delivery import deliver, guild_text_channel
from cogs.onboarding._render import render_step

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)


def _values(interaction: discord.Interaction[Any]) -> list[str]:
    data = cast(dict[str, Any], interaction.data or {})
    return [str(v) for v in data.get("values", [])]


async def start_change(bot: MentorBot, programme: Programme, user: discord.abc.User, key: str) -> str:
    """Re-open one answer in the person's interview and send the question where it lives (their DMs)."""
    conv = await bot.services.onboarding.act(programme, user.id, "change", key=key)
    if conv is None:
        return "I don't have an interview for you in this programme — use `/join` in the server to start one."
    rendered = render_step(programme.id, conv.step, programme_name=programme.config.name, voice=programme.config.messages())
    reached = await deliver(bot, conv, rendered, user.id, user.display_name)
    if not reached:
        return "I couldn't reach you — please open your DMs to this server's members and try again."
    return "I've sent you that question in our conversation (your DMs, or your private onboarding thread)."


class ChangeAnswerSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"profedit:(?P<pid>\d+)"):
    def __init__(self, pid: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(custom_id=f"profedit:{pid}", placeholder="Which answer?",
                                           options=options or [discord.SelectOption(label="-")]))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ChangeAnswerSelect:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        values = _values(interaction)
        if programme is None or not values:
            await interaction.response.send_message("That programme no longer exists.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await start_change(bot, programme, interaction.user, values[0])
        await interaction.followup.send(text, ephemeral=True)


class LeaveButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"leave:(?P<pid>\d+)"):
    """Deletes the data of whoever presses it (the button sits on an ephemeral message only they see)."""

    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Button(label="Yes, delete my data", style=discord.ButtonStyle.danger,
                                           custom_id=f"leave:{pid}"))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> LeaveButton:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        if programme is None:
            await interaction.response.send_message("That programme no longer exists.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await bot.services.people.leave(programme, interaction.user.id)
        if result.found:
            await redact_notices(bot, programme, result)
        if not result.found:
            await interaction.followup.send("There's nothing stored about you in this programme.", ephemeral=True)
            return
        ended = (f" Your {'match has' if len(result.ended) == 1 else 'matches have'} ended; your partner "
                 "has been told and the organisers know." if result.ended else "")
        await interaction.followup.send(
            f"Your data in **{safe_text(programme.config.name, 100)}** has been deleted.{ended} Thank you for taking "
            "part — you're welcome back any time with `/join`.", ephemeral=True)


LEFT = "(a member who left)"
REDACT_LIMIT = 5_000  # organiser messages searched since the person was first known


async def redact_notices(bot: Any, programme: Programme, result: LeaveResult) -> int:
    """Edit the bot's own messages in the organisers' channel that name someone who left (their mention,
    name, handle, notes), from when they were first known. Returns how many were edited."""
    if not result.names or result.known_since is None:
        return 0
    channel = await guild_text_channel(bot, programme.guild_id, programme.config.leads_channel)
    me = bot.user.id if bot.user else 0
    edited = 0
    if channel is None:
        return 0
    since = discord.Object(id=discord.utils.time_snowflake(result.known_since))
    try:
        async for msg in channel.history(limit=REDACT_LIMIT, after=since, oldest_first=True):
            if msg.author.id != me or not any(n in msg.content for n in result.names):
                continue
            text = msg.content
            for name in result.names:
                text = text.replace(name, LEFT)
            await msg.edit(content=text[:2000], allowed_mentions=discord.AllowedMentions.none())
            edited += 1
    except discord.HTTPException as exc:
        log.warning("could not redact the organisers' messages about a member who left: %s", exc)
    return edited


class KeepButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"leaveno:(?P<pid>\d+)"):
    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Button(label="No, keep it", style=discord.ButtonStyle.secondary,
                                           custom_id=f"leaveno:{pid}"))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> KeepButton:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.edit_message(content="Nothing was deleted. 👍", view=None)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ChangeAnswerSelect, LeaveButton, KeepButton)
