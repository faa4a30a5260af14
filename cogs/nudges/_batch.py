"""A batched check-in on Discord: ONE message per person per check-in moment, a select per pairing
(``checkin:<nudge id>``: its answers and "Add a note"), pages when the pairings do not fit Discord's five
action rows (``checkinpage:<first nudge id>:<page>``). Each answer is recorded on its pairing's own nudge; the
message is drawn again showing it; one acknowledgement comes once every pairing is answered."""

from __future__ import annotations

from typing import Any

import discord

from bot.nudges.answers import CHECKIN_BUTTONS
from bot.nudges.batch import CheckinSection, answerable, page_of, pages, render
from bot.services.nudges import Delivery
from bot.services.nudges._batch import CheckinMessage
from bot.voice import CheckinButtons, CheckinWords, Voice
from cogs.kit.goals import GoalProgressButton
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, handle, reply, selected
from cogs.nudges._views import NoteModal, follow_up, note_words

NOTE = "note"


def _options(labels: CheckinButtons, words: CheckinWords) -> list[discord.SelectOption]:
    out = [discord.SelectOption(label=labels.label(b.answer)[:100], value=b.answer) for b in CHECKIN_BUTTONS]
    out.append(discord.SelectOption(label=words.batch_note, value=NOTE))
    return out


def _placeholder(section: CheckinSection, voice: Voice | None) -> str:
    words = voice.checkin_words if voice is not None else CheckinWords()
    if section.answer:
        labels = voice.checkin_buttons if voice is not None else CheckinButtons()
        return words.say("batch_answered", partner=section.partner, answer=labels.label(section.answer))[:150]
    if not section.open:
        return words.say("batch_ended", partner=section.partner)[:150]
    return words.say("batch_pick", partner=section.partner)[:150]


class CheckinSelect(PersistentItem[discord.ui.Select[Any]], prefix="checkin", fields={"id": INTEGER}):
    """One pairing's answer in a batched check-in. A note opens a modal (the first response: no deferral);
    an answer is acknowledged as an update of the message before anything touches the database."""

    ack = "none"

    def __init__(self, nudge_id: int, section: CheckinSection | None = None, row: int | None = None,
                 voice: Voice | None = None) -> None:
        # rebuilt from a click (no section): only its custom_id counts; its words are drawn again after it
        placeholder = _placeholder(section, voice) if section is not None else "…"
        options = _options(voice.checkin_buttons if voice else CheckinButtons(),
                           voice.checkin_words if voice else CheckinWords())
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=self.build_id(nudge_id), placeholder=placeholder, row=row, min_values=1, max_values=1,
            options=options if section is not None else [discord.SelectOption(label="…", value="met")],
            disabled=section is not None and not answerable(section))
        super().__init__(select)
        self.nudge_id = nudge_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> CheckinSelect:
        return cls(int(fields["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        picked = selected(interaction)
        if picked[:1] == [NOTE]:
            await handle(interaction, "none", self._note)
        else:
            await handle(interaction, "update", self.run)

    async def _note(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(NoteModal(self.nudge_id, note_words(bot_of(interaction))))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        answer = selected(interaction)[0]
        if answer not in {b.answer for b in CHECKIN_BUTTONS}:
            await reply(interaction, (await bot.services.nudges.batches.words(self.nudge_id)).batch_wrong)
            return
        before = await self._message(interaction)
        result = await bot.services.nudges.answers.answer(self.nudge_id, answer, interaction.user.id)
        after = await self._message(interaction)
        if after is not None and interaction.message is not None:
            first = after.sections[0].nudge_id if after.sections else self.nudge_id
            page = page_of(after.sections, self.nudge_id)
            await interaction.edit_original_response(**message_parts(
                after.intro, after.sections, first, page, after.programme.config.messages()))
        if result.status != "recorded":
            await reply(interaction, result.reply)
        elif after is not None and after.all_answered and (before is None or not before.all_answered):
            await reply(interaction, after.programme.config.messages().say(
                "checkin_batch_done", programme=after.programme.config.name))
        elif after is None:
            await reply(interaction, result.reply)
        await follow_up(bot, result)

    async def _message(self, interaction: discord.Interaction[Any]) -> CheckinMessage | None:
        if interaction.message is None:
            return None
        return await bot_of(interaction).services.nudges.batches.message(self.nudge_id, interaction.message.id,
                                                                          interaction.user.id)


class CheckinPage(PersistentItem[discord.ui.Button[Any]], prefix="checkinpage",
                  fields={"first": INTEGER, "page": INTEGER}):
    """Turns a batched check-in to another page of pairings (the same message, edited)."""

    ack = "update"

    def __init__(self, first: int, page: int, label: str = "…", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, row=row,
                                           custom_id=self.build_id(first, page)))
        self.first, self.page = first, page

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> CheckinPage:
        return cls(int(fields["first"]), int(fields["page"]), getattr(item, "label", None) or "…")

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.message is None:
            return
        found = await bot_of(interaction).services.nudges.batches.message(self.first, interaction.message.id,
                                                                           interaction.user.id)
        if found is None:
            words = await bot_of(interaction).services.nudges.batches.words(self.first)
            await reply(interaction, words.say("not_yours"))
            return
        await interaction.edit_original_response(**message_parts(
            found.intro, found.sections, self.first, self.page, found.programme.config.messages()))


def message_parts(intro: str, sections: tuple[CheckinSection, ...], first: int, page: int,
                  voice: Voice | None = None) -> dict[str, Any]:
    """Content and components of a batched check-in showing ``page``, in the programme's ``voice``."""
    words = voice.checkin_words if voice is not None else CheckinWords()
    split = pages(sections)
    page = min(max(page, 0), len(split) - 1) if split else 0
    view = discord.ui.View(timeout=None)
    row = 0
    for s in split[page] if split else []:
        view.add_item(CheckinSelect(s.nudge_id, s, row=row, voice=voice))
        if s.goal_match_id is not None and s.rows > 1:  # the pair's goals: how is each going?
            view.add_item(GoalProgressButton(s.goal_match_id, words.say("batch_goals", partner=s.partner)[:80],
                                             row=row + 1))
        row += s.rows
    if len(split) > 1:
        for target in (page - 1, page + 1):
            if 0 <= target < len(split):
                lo = sum(len(p) for p in split[:target]) + 1
                hi = lo + len(split[target]) - 1
                label = words.say("batch_earlier" if target < page else "batch_later", first=lo, last=hi)[:80]
                view.add_item(CheckinPage(first, target, label, row=4))
    view.stop()
    return {"content": render(intro, sections, words=words), "view": view}


def batch_message(d: Delivery) -> dict[str, Any]:
    """What a batched check-in delivery sends (its first page)."""
    return message_parts(d.text, d.batch, d.nudge_id, 0, d.programme.config.messages())


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (CheckinSelect, CheckinPage)
