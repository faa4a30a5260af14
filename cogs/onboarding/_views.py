"""Persistent components of the interview: ``DynamicItem``s whose custom_ids carry everything needed,
so a click after a restart (or on an old message) continues where the person really is."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.onboarding.flow import AskQuestion
from bot.services.onboarding import Action
from cogs.onboarding._render import NO_PINGS, render_step

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)


def _bot(interaction: discord.Interaction[Any]) -> MentorBot:
    return cast("MentorBot", interaction.client)


def _values(interaction: discord.Interaction[Any]) -> list[str]:
    data = cast(dict[str, Any], interaction.data or {})
    return [str(v) for v in data.get("values", [])]


async def run_action(
    interaction: discord.Interaction[Any], pid: int, action: Action, raw: object = None, key: str | None = None
) -> None:
    """Apply a click/select/modal to the person's conversation and answer with what comes next."""
    bot = _bot(interaction)
    programme = bot.services.programmes.by_id(pid)
    if programme is None:
        await interaction.response.send_message("This programme no longer exists.", ephemeral=True)
        return
    conv = await bot.services.onboarding.act(programme, interaction.user.id, action, raw=raw, key=key)
    if conv is None:
        await interaction.response.send_message(
            "I don't have an interview for you in this programme — use `/join` in the server to start one.",
            ephemeral=True,
        )
        return
    rendered = render_step(pid, conv.step, programme_name=programme.config.name, voice=programme.config.messages())
    await interaction.response.send_message(
        rendered.content, embed=rendered.embed or discord.utils.MISSING, view=rendered.view or discord.utils.MISSING,
        allowed_mentions=NO_PINGS,
    )
    if conv.finished_now:
        bot.dispatch("onboarding_complete", programme, interaction.user.id)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"onb:(?P<pid>\d+):(?P<key>[a-z][a-z0-9_]*):(?P<value>[a-z0-9_\-]+)"):
    def __init__(self, pid: int, key: str, value: str, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"onb:{pid}:{key}:{value}"))
        self.pid, self.key, self.value = pid, key, value

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> AnswerButton:
        return cls(int(match["pid"]), match["key"], match["value"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_action(interaction, self.pid, "answer", raw=self.value, key=self.key)


class AnswerSelect(discord.ui.DynamicItem[discord.ui.Select[Any]],
                   template=r"onbsel:(?P<pid>\d+):(?P<key>[a-z][a-z0-9_]*)"):
    def __init__(self, pid: int, key: str) -> None:
        super().__init__(discord.ui.Select(custom_id=f"onbsel:{pid}:{key}", options=[discord.SelectOption(label="-")]))
        self.pid, self.key = pid, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> AnswerSelect:
        return cls(int(match["pid"]), match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = _values(interaction)
        bot = _bot(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        question = programme.question(self.key) if programme else None
        raw: object = values if question is not None and question.kind == "multi" else (values[0] if values else "")
        await run_action(interaction, self.pid, "answer", raw=raw, key=self.key)


class SuggestionButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=r"onbsug:(?P<pid>\d+):(?P<key>[a-z][a-z0-9_]*)"):
    def __init__(self, pid: int, key: str) -> None:
        super().__init__(discord.ui.Button(label="Use", custom_id=f"onbsug:{pid}:{key}"))
        self.pid, self.key = pid, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> SuggestionButton:
        return cls(int(match["pid"]), match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        programme = bot.services.programmes.by_id(self.pid)
        if programme is None:
            return
        conv = await bot.services.onboarding.act(programme, interaction.user.id, "show")
        step = conv.step if conv else None
        if isinstance(step, AskQuestion) and step.question.key == self.key and step.suggestion_raw is not None:
            await run_action(interaction, self.pid, "answer", raw=step.suggestion_raw, key=self.key)
        else:
            await run_action(interaction, self.pid, "answer", raw="", key=self.key)


class TextAnswerModal(discord.ui.Modal):
    def __init__(self, pid: int, key: str, label: str, max_length: int, required: bool) -> None:
        super().__init__(title="Your answer", custom_id=f"onbmodal:{pid}:{key}", timeout=900)
        self.pid, self.key = pid, key
        self.answer: discord.ui.TextInput[TextAnswerModal] = discord.ui.TextInput(
            label=label[:45], max_length=min(max_length, 4000), required=required,
            style=discord.TextStyle.paragraph if max_length > 100 else discord.TextStyle.short,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await run_action(interaction, self.pid, "answer", raw=self.answer.value or "", key=self.key)


class TextAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=r"onbtxt:(?P<pid>\d+):(?P<key>[a-z][a-z0-9_]*)"):
    def __init__(self, pid: int, key: str) -> None:
        super().__init__(discord.ui.Button(label="Write my answer", custom_id=f"onbtxt:{pid}:{key}"))
        self.pid, self.key = pid, key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> TextAnswerButton:
        return cls(int(match["pid"]), match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        programme = _bot(interaction).services.programmes.by_id(self.pid)
        question = programme.question(self.key) if programme else None
        if question is None:
            await interaction.response.send_message("That question no longer exists.", ephemeral=True)
            return
        await interaction.response.send_modal(
            TextAnswerModal(self.pid, self.key, question.display_label, question.max_length, question.required)
        )


class ConfirmButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"onbok:(?P<pid>\d+)"):
    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Button(label="Confirm", custom_id=f"onbok:{pid}"))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ConfirmButton:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_action(interaction, self.pid, "confirm")


class ChangeSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"onbchg:(?P<pid>\d+)"):
    def __init__(self, pid: int) -> None:
        super().__init__(discord.ui.Select(custom_id=f"onbchg:{pid}", options=[discord.SelectOption(label="-")]))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ChangeSelect:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        values = _values(interaction)
        await run_action(interaction, self.pid, "change", key=values[0] if values else "")


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    AnswerButton, AnswerSelect, SuggestionButton, TextAnswerButton, ConfirmButton, ChangeSelect,
)
