"""Persistent buttons on nudges: ``nudge:<answer>:<id>`` and ``nudgenote:<id>`` (a short note in a modal).
Everything needed is in the custom_id, so a click after a restart or on an old message still works."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.nudges.answers import ButtonAnswer, parse_nudge_custom_id
from bot.onboarding.safe_text import safe_text
from bot.services.nudges import AnswerResult, EndedMatch, NudgeService
from cogs.nudges._send import ask_partner, send_to_person
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
        await close_match(bot, result.ended, programme.config.name, programme.guild_id)


async def _space_of(bot: MentorBot, guild: discord.Guild | None,
                    space_id: int | None) -> discord.TextChannel | discord.Thread | None:
    """The pair's channel or thread; an archived thread is not in discord.py's cache, so ask Discord."""
    if guild is None or space_id is None:
        return None
    found: object = guild.get_channel_or_thread(space_id)
    if found is None:
        try:
            found = await bot.fetch_channel(space_id)
        except (discord.NotFound, discord.Forbidden):
            return None
    return found if isinstance(found, discord.TextChannel | discord.Thread) else None


async def close_match(bot: MentorBot, ended: EndedMatch, programme_name: str, guild_id: int) -> None:
    """Archive the pair's space (best effort) and tell the mentee they'll be offered a new match."""
    guild = bot.get_guild(guild_id)
    try:
        space = await _space_of(bot, guild, ended.space_id)
        if isinstance(space, discord.TextChannel):
            await space.edit(name=f"archived-{space.name}"[:100], reason="match ended")
            for uid in (ended.mentor_discord_id, ended.mentee_discord_id):
                member = guild.get_member(uid) if guild and uid else None
                if member is not None:
                    await space.set_permissions(member, view_channel=True, send_messages=False,
                                                reason="match ended")
        elif isinstance(space, discord.Thread):
            if space.archived:  # Discord edits an archived thread only to unarchive it first
                space = await space.edit(archived=False)
            await space.edit(name=f"archived-{space.name}"[:100], archived=True, locked=True)
    except discord.HTTPException as exc:
        log.warning("could not archive the space of match %s: %s", ended.match_id, exc)
    if ended.mentee_discord_id is not None:
        text = (f"Your {programme_name} match has ended — thank you for taking part. You'll be offered a new "
                "match in the next round.")
        try:
            await send_to_person(bot, ended.mentee_discord_id, ended.mentee_dm_channel_id, False, None,
                                 content=text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("could not tell the mentee of match %s: %s", ended.match_id, exc)


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
        result = await service_of(bot).answer(self.nudge_id, self.answer, interaction.user.id)
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
        programme = await service.save_note(self.nudge_id, interaction.user.id, text)
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
