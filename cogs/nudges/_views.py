"""Persistent buttons on nudges (``nudge:<answer>:<id>``, ``nudgenote:<id>`` with a short note in a modal) and
what follows an answer (the organisers told, the partner asked, an ended match archived). Everything needed is
in the custom_id, so a click after a restart or on an old message still works."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.nudges.answers import BUTTON_ANSWERS, CHECKIN_BUTTONS, END_CONFIRM_BUTTONS, ButtonAnswer, NudgeButton
from bot.onboarding.safe_text import safe_text
from bot.services.nudges import AnswerResult, Delivery, PartnerPrompt
from bot.services.programmes import Programme
from bot.voice import CheckinButtons, CheckinWords
from cogs.kit.goals import GoalProgressButton
from cogs.kit.interactions import INTEGER, KitModal, PersistentItem, bot_of, label_of, reply
from cogs.kit.messaging import NO_PINGS, remember_reach, send_privately, send_to_person, tell_organisers
from storage.models import NudgeKind

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
_STYLES = {"primary": discord.ButtonStyle.primary, "secondary": discord.ButtonStyle.secondary,
           "success": discord.ButtonStyle.success, "danger": discord.ButtonStyle.danger}


class NudgeAnswerButton(PersistentItem[discord.ui.Button[Any]], prefix="nudge",
                        fields={"answer": "|".join(BUTTON_ANSWERS), "id": INTEGER}):
    def __init__(self, answer: ButtonAnswer, nudge_id: int, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, row=row,
                                           custom_id=self.build_id(answer, nudge_id)))
        self.answer, self.nudge_id = answer, nudge_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> NudgeAnswerButton:
        return cls(cast(ButtonAnswer, fields["answer"]), int(fields["id"]), label_of(item, "…"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        result = await bot.services.nudges.answers.answer(self.nudge_id, self.answer, interaction.user.id)
        await reply(interaction, result.reply)
        await follow_up(bot, result)


class NoteModal(KitModal):
    def __init__(self, nudge_id: int, words: CheckinWords | None = None) -> None:
        words = words or CheckinWords()
        super().__init__(title=words.note_title, custom_id=f"nudgenotemodal:{nudge_id}", timeout=900)
        self.nudge_id = nudge_id
        self.words = words
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            label=words.note_label, style=discord.TextStyle.paragraph, max_length=1000, required=True)
        self.add_item(self.note)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        text = self.note.value or ""
        programme = await bot.services.nudges.answers.save_note(self.nudge_id, interaction.user.id, text)
        if programme is None:
            await reply(interaction, self.words.note_refused)
            return
        await reply(interaction, programme.config.messages().checkin_words.note_saved)
        note = safe_text(text, 1500, one_line=False)
        await tell_organisers(bot, programme, f"📝 Note from <@{interaction.user.id}>: {note}")


class NudgeNoteButton(PersistentItem[discord.ui.Button[Any]], prefix="nudgenote", fields={"id": INTEGER}):
    """Opens the note modal (a modal is a first response: no deferral, no database)."""

    ack = "none"

    def __init__(self, nudge_id: int, label: str = "Add a note", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, row=row,
                                           custom_id=self.build_id(nudge_id)))
        self.nudge_id = nudge_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> NudgeNoteButton:
        return cls(int(fields["id"]), label_of(item, "Add a note"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(NoteModal(self.nudge_id, note_words(bot_of(interaction))))


def note_words(bot: MentorBot) -> CheckinWords:
    """The note form's words, without touching the database (a modal is the first response and must come at
    once): the programme's when the bot runs one; with several, the check-in's custom_id does not say whose it
    is, so the neutral words (the thanks after the form is in the programme's voice either way)."""
    programmes = bot.services.programmes.all()
    return programmes[0].config.messages().checkin_words if len(programmes) == 1 else CheckinWords()


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (NudgeAnswerButton, NudgeNoteButton)


def buttons_view(buttons: tuple[NudgeButton, ...], nudge_id: int, *, note: str | None,
                 labels: CheckinButtons | None = None) -> discord.ui.View:
    """The buttons of one nudge, labelled in the programme's voice; the view itself is not kept (clicks are
    routed by custom_id)."""
    labels = labels or CheckinButtons()
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(NudgeAnswerButton(b.answer, nudge_id, labels.label(b.answer), _STYLES[b.style], row=0))
    if note:
        view.add_item(NudgeNoteButton(nudge_id, note, row=1))
    view.stop()
    return view


def nudge_view(d: Delivery) -> discord.ui.View | None:
    labels = d.programme.config.messages().checkin_buttons
    if d.kind == NudgeKind.CHECKIN and d.buttons:
        view = buttons_view(CHECKIN_BUTTONS, d.nudge_id, note=labels.note, labels=labels)
        if d.goal_match_id is not None:  # the pair's goals: how is each going?
            view.add_item(GoalProgressButton(d.goal_match_id, d.programme.config.messages().goals.progress_button,
                                             row=1))
        return view
    if d.kind == NudgeKind.FEEDBACK:
        return buttons_view((), d.nudge_id, note=labels.feedback, labels=labels)
    return None


async def follow_up(bot: MentorBot, result: AnswerResult) -> None:
    """After answering the click: tell the organisers, ask the partner, end the match (its one path)."""
    programme = result.programme
    if programme is None:
        return
    for text in result.organiser_messages:
        await tell_organisers(bot, programme, text)
    if result.ask_partner is not None:
        await ask_partner(bot, result.ask_partner, programme)
    if result.ended is not None:
        await bot.services.ending.follow_up(result.ended)


async def ask_partner(bot: MentorBot, prompt: PartnerPrompt, programme: Programme) -> None:
    """Ask the partner to confirm ending the match (or explain), with two buttons: by DM; with DMs closed in
    the pair's own space, or — a mentor's pod, shared with their other mentees, or no space at all — in a private
    thread only they see. What the DM learnt is remembered (:class:`bot.services.dm_reach.DmReach`) and the
    organisers hear of closed DMs once, and of a partner nothing could reach. A pair's space an organiser deleted:
    the partner is asked in their private thread instead, and the organisers told, in one notice."""
    voice = programme.config.messages()

    def message(private: bool) -> dict[str, Any]:
        # in a private thread a mention of the asker would add them to it: their name instead
        content = voice.checkin_words.say("end_request", partner=prompt.requested_by_name if private
                                          else prompt.requested_by, programme=programme.config.name)
        return {"content": content, "allowed_mentions": NO_PINGS,
                "view": buttons_view(END_CONFIRM_BUTTONS, prompt.nudge_id, note=None, labels=voice.checkin_buttons)}

    private = prompt.private or prompt.space_id is None
    space_gone = False
    msg: discord.Message | None = None
    try:
        if not private:
            try:
                msg = await send_to_person(bot, prompt.discord_user_id, prompt.dm_channel_id, prompt.dms_closed,
                                           prompt.space_id, **message(False))
            except discord.NotFound:  # no DM, and the pair's space is gone
                space_gone = True
            fell_back = msg is None or msg.channel.id == prompt.space_id
            if not prompt.dms_closed and (fell_back or prompt.dms_marked):
                await remember_reach(bot, programme, prompt.person_id, prompt.discord_user_id, reached=not fell_back)
        if private or space_gone:  # a DM refused just now is not tried again
            msg, _ = await send_privately(bot, programme, prompt.person_id, prompt.discord_user_id,
                                          prompt.dm_channel_id, prompt.dms_closed or space_gone,
                                          None if space_gone else prompt.space_id, dms_marked=prompt.dms_marked,
                                          about=None if space_gone else "to confirm the end of their match",
                                          **message(True))
    except discord.HTTPException as exc:
        log.warning("could not ask %s to confirm the end of their match: %s", prompt.discord_user_id, exc)
        msg = None
    if space_gone:
        partner = f"<@{prompt.discord_user_id}>"
        instead = "I asked them in a private thread instead." if msg is not None else \
            "I can't reach them either: their DMs are closed and I could not open a private thread for them."
        await tell_organisers(bot, programme, f"⚠️ The space of the match between {prompt.requested_by} and "
                                              f"{partner} is gone, so I could not ask {partner} there to confirm "
                                              f"ending it. {instead}")
    if msg is None:
        log.warning("partner %s could not be asked to confirm the end of their match", prompt.discord_user_id)
