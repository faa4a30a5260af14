"""A survey's persistent components: scale buttons ``survey:<invite>:<question>:<value|skip>``, a menu
``surveypick:<invite>:<question>``, ``surveywrite:<invite>:<question>`` (a form for free text) and
``surveyquote:<invite>:<question>:<yes|no>``. Each answer updates the survey message to the next question;
everything needed is in the custom_id, so a click after a restart (or on the reminder) still works."""

from __future__ import annotations

from typing import Any

import discord

from bot.services.surveys import StepView, SurveyTurn
from bot.services.surveys._types import SurveySection
from bot.voice import SurveyWords
from cogs.kit.interactions import INTEGER, KEY, KitModal, PersistentItem, bot_of, label_of, reply, selected
from cogs.kit.messaging import NO_PINGS

SKIP = "skip"


async def show(interaction: discord.Interaction[Any], turn: SurveyTurn) -> None:
    """The survey message moves on to the next step (or its thanks); a refusal is answered privately."""
    if turn.status == "rejected":
        await reply(interaction, turn.text)
        return
    await interaction.edit_original_response(content=turn.text, view=step_view(turn.step),
                                             allowed_mentions=NO_PINGS)


class SurveyAnswerButton(PersistentItem[discord.ui.Button[Any]], prefix="survey",
                         fields={"id": INTEGER, "q": KEY, "v": f"{INTEGER}|{SKIP}"}):
    ack = "update"

    def __init__(self, invite_id: int, question: str, value: str, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, row=row,
                                           custom_id=self.build_id(invite_id, question, value)))
        self.invite_id, self.question, self.value = invite_id, question, value

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> SurveyAnswerButton:
        return cls(int(fields["id"]), fields["q"], fields["v"], label_of(item, fields["v"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        value = None if self.value == SKIP else self.value
        await show(interaction, await bot_of(interaction).services.surveys.answer(
            self.invite_id, interaction.user.id, self.question, value))


class SurveyChoiceSelect(PersistentItem[discord.ui.Select[Any]], prefix="surveypick",
                         fields={"id": INTEGER, "q": KEY}):
    ack = "update"

    def __init__(self, invite_id: int, question: str, options: list[discord.SelectOption] | None = None,
                 row: int | None = None, placeholder: str | None = None) -> None:
        super().__init__(discord.ui.Select(custom_id=self.build_id(invite_id, question), row=row,
                                           placeholder=placeholder, min_values=1, max_values=1,
                                           options=options or [discord.SelectOption(label="…")]))
        self.invite_id, self.question = invite_id, question

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> SurveyChoiceSelect:
        return cls(int(fields["id"]), fields["q"], list(getattr(item, "options", None) or []) or None,
                   placeholder=getattr(item, "placeholder", None))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        picked = selected(interaction)
        await show(interaction, await bot_of(interaction).services.surveys.answer(
            self.invite_id, interaction.user.id, self.question, picked[0] if picked else ""))


class SurveyTextModal(KitModal):
    ack = "update"

    def __init__(self, invite_id: int, question: str, required: bool, title: str, label: str) -> None:
        super().__init__(title=title[:45], custom_id=f"surveytextmodal:{invite_id}:{question}", timeout=900)
        self.invite_id, self.question = invite_id, question
        self.text: discord.ui.TextInput[SurveyTextModal] = discord.ui.TextInput(
            label=label[:45], custom_id="answer", style=discord.TextStyle.paragraph, max_length=1000,
            required=required)
        self.add_item(self.text)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, await bot_of(interaction).services.surveys.write(
            self.invite_id, interaction.user.id, self.question, self.text.value or ""))


class SurveyWriteButton(PersistentItem[discord.ui.Button[Any]], prefix="surveywrite",
                        fields={"id": INTEGER, "q": KEY, "r": r"[01](?::[0-9]+)?"}):
    """Opens the form (a modal is a first response: no deferral, no database). ``r``: whether an answer is
    required, then the programme's id (whose words label the form; a button sent without it: neutral words)."""

    ack = "none"

    def __init__(self, invite_id: int, question: str, required: bool, label: str = "Write an answer",
                 row: int | None = None, programme_id: int = 0) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary, row=row, custom_id=(
            self.build_id(invite_id, question, f"{int(required)}:{programme_id}"))))
        self.invite_id, self.question, self.required, self.label = invite_id, question, required, label
        self.programme_id = programme_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> SurveyWriteButton:
        required, _, programme_id = fields["r"].partition(":")
        return cls(int(fields["id"]), fields["q"], required == "1", label_of(item, "Write an answer"),
                   programme_id=int(programme_id or 0))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        # the form's title is the button's label, its field's label the programme's (no database before a modal)
        programme = bot_of(interaction).services.programmes.by_id(self.programme_id)
        words = programme.config.messages().surveys if programme is not None else SurveyWords()
        await interaction.response.send_modal(SurveyTextModal(self.invite_id, self.question, self.required,
                                                              self.label, words.write_label))


class SurveyQuoteButton(PersistentItem[discord.ui.Button[Any]], prefix="surveyquote",
                        fields={"id": INTEGER, "q": KEY, "ok": "yes|no"}):
    ack = "update"

    def __init__(self, invite_id: int, question: str, ok: str, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=self.build_id(invite_id, question, ok)))
        self.invite_id, self.question, self.ok = invite_id, question, ok

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> SurveyQuoteButton:
        return cls(int(fields["id"]), fields["q"], fields["ok"], label_of(item, fields["ok"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show(interaction, await bot_of(interaction).services.surveys.quote(
            self.invite_id, interaction.user.id, self.question, self.ok == "yes"))




def step_view(step: StepView | None) -> discord.ui.View | None:
    """The components of one step; the view itself is not kept (clicks are routed by custom_id)."""
    if step is None:
        return None
    view = discord.ui.View(timeout=None)
    q, iid, words = step.question, step.invite_id, step.words
    if step.kind == "quote":
        view.add_item(SurveyQuoteButton(iid, q.key, "yes", words.quote_yes, discord.ButtonStyle.success))
        view.add_item(SurveyQuoteButton(iid, q.key, "no", words.quote_no))
    elif q.kind == "scale":
        for value in q.points:
            view.add_item(SurveyAnswerButton(iid, q.key, str(value), str(value), discord.ButtonStyle.primary, row=0))
    elif q.kind == "choice":
        options = [discord.SelectOption(label=o.label, value=o.value) for o in q.options]
        view.add_item(SurveyChoiceSelect(iid, q.key, options, row=0, placeholder=words.choose))
    else:
        view.add_item(SurveyWriteButton(iid, q.key, q.required, words.write_button, row=0,
                                        programme_id=step.programme_id))
    if step.kind == "question" and not q.required:
        view.add_item(SurveyAnswerButton(iid, q.key, SKIP, words.skip_button, row=1))
    view.stop()
    return view


class SurveyOpenButton(PersistentItem[discord.ui.Button[Any]], prefix="surveyopen", fields={"id": INTEGER}):
    """One pairing's survey in a message that carries several: answers a new message with where that survey
    stands (its next question; its thanks once done), which then moves on like any survey message."""

    ack = "visible"

    def __init__(self, invite_id: int, label: str = "…", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary, row=row,
                                           custom_id=self.build_id(invite_id)))
        self.invite_id = invite_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> SurveyOpenButton:
        return cls(int(fields["id"]), label_of(item, "…"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        turn = await bot_of(interaction).services.surveys.open(self.invite_id, interaction.user.id)
        if turn.status == "rejected":
            await interaction.edit_original_response(content=turn.text, allowed_mentions=NO_PINGS)
            return
        await show(interaction, turn)


def batch_view(sections: tuple[SurveySection, ...]) -> discord.ui.View:
    """A button per pairing (Discord allows 25 on one message: five rows of five)."""
    view = discord.ui.View(timeout=None)
    for i, s in enumerate(sections[:25]):
        view.add_item(SurveyOpenButton(s.invite_id, s.partner[:80] or "your partner", row=i // 5))
    view.stop()
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    SurveyAnswerButton, SurveyChoiceSelect, SurveyWriteButton, SurveyQuoteButton, SurveyOpenButton)
