"""Persistent buttons on nudges: ``nudge:<answer>:<id>`` and ``nudgenote:<id>`` (a short note in a modal).
Everything needed is in the custom_id, so a click after a restart or on an old message still works."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.nudges.answers import ButtonAnswer, parse_nudge_custom_id
from bot.onboarding.safe_text import safe_text
from bot.services.nudges import AnswerResult, NudgeService
from cogs.nudges._send import ask_partner
from cogs.onboarding._delivery import tell_organisers
from cogs.onboarding._render import NO_PINGS

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
COG_NAME = "Nudges"


def _bot(interaction: discord.Interaction[Any]) -> MentorBot:
    return cast("MentorBot", interaction.client)


def service_of(bot: MentorBot) -> NudgeService:
    cog = bot.get_cog(COG_NAME)
    service = getattr(cog, "service", None)
    if not isinstance(service, NudgeService):
        raise RuntimeError("the nudges cog is not loaded")
    return service


async def follow_up(bot: MentorBot, result: AnswerResult) -> None:
    """After answering the click: tell the organisers, ask the partner, archive an ended match."""
    programme = result.programme
    if programme is None:
        return
    for text in result.organiser_messages:
        await tell_organisers(bot, programme, text)
    if result.ask_partner is not None:
        await ask_partner(bot, result.ask_partner, programme.config.name)
    if result.ended is not None:
        await bot.services.ending.follow_up(result.ended)


class NudgeAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                        template=r"nudge:(?P<answer>met|not_yet|help|end|confirm_end|keep):(?P<id>\d+)"):
    def __init__(self, answer: ButtonAnswer, nudge_id: int, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"nudge:{answer}:{nudge_id}"))
        self.answer, self.nudge_id = answer, nudge_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> NudgeAnswerButton:
        parsed = parse_nudge_custom_id(match.string)
        if parsed is None:
            raise ValueError(f"not a nudge button: {match.string!r}")
        return cls(parsed[0], parsed[1], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        result = await service_of(bot).answers.answer(self.nudge_id, self.answer, interaction.user.id)
        await interaction.response.send_message(result.reply, ephemeral=True, allowed_mentions=NO_PINGS)
        await follow_up(bot, result)


class NoteModal(discord.ui.Modal):
    def __init__(self, nudge_id: int) -> None:
        super().__init__(title="A short note for the organisers", custom_id=f"nudgenotemodal:{nudge_id}", timeout=900)
        self.nudge_id = nudge_id
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            label="Your note", style=discord.TextStyle.paragraph, max_length=1000, required=True)
        self.add_item(self.note)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        service = service_of(bot)
        text = self.note.value or ""
        programme = await service.answers.save_note(self.nudge_id, interaction.user.id, text)
        if programme is None:
            await interaction.response.send_message("This note can't be saved here.", ephemeral=True)
            return
        await interaction.response.send_message("Thanks — I've passed your note to the organisers.", ephemeral=True)
        note = safe_text(text, 1500, one_line=False)
        await tell_organisers(bot, programme, f"📝 Note from <@{interaction.user.id}>: {note}")


class NudgeNoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"nudgenote:(?P<id>\d+)"):
    def __init__(self, nudge_id: int, label: str = "Add a note") -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"nudgenote:{nudge_id}"))
        self.nudge_id = nudge_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> NudgeNoteButton:
        return cls(int(match["id"]), getattr(item, "label", None) or "Add a note")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(NoteModal(self.nudge_id))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (NudgeAnswerButton, NudgeNoteButton)
