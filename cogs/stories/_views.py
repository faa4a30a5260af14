"""The story's components: ``story:write:<id>:<programme>`` (the modal, in the programme's words with no
database read; a button sent before it named the programme, ``story:write:<id>``, still opens it), ``story:no:<id>``, ``story:to:<where>:<h>:<id>``
(a preview of exactly what would be posted) and ``story:post:<where>:<h>:<version>:<id>`` (the confirmation:
the one post). Each acknowledges first; the service checks the clicker is the story's author."""

from __future__ import annotations

from typing import Any

import discord

from bot.services.stories import StoryAnswer
from bot.stories import DESTINATIONS, STORY_FIELD, STORY_LENGTH
from bot.voice import StoryWords
from cogs.kit.interactions import INTEGER, KitModal, PersistentItem, bot_of, label_of, reply
from cogs.kit.messaging import tell_organisers

WHERE = "|".join(DESTINATIONS)


def offer_view(story_id: int, programme_id: int, words: StoryWords) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(StoryWriteButton(story_id, programme_id, words.write_button))
    view.add_item(StoryNoButton(story_id, words.no_button))
    view.stop()
    return view


class StoryModal(KitModal):
    def __init__(self, story_id: int, words: StoryWords) -> None:
        super().__init__(title=words.form_title, custom_id=f"story:modal:{story_id}", timeout=1800)
        self.story_id = story_id
        self.text: discord.ui.TextInput[StoryModal] = discord.ui.TextInput(
            label=words.form_label, style=discord.TextStyle.paragraph, max_length=STORY_LENGTH, required=True,
            placeholder=words.form_example, custom_id=STORY_FIELD)
        self.add_item(self.text)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        answer = await bot_of(interaction).services.stories.write(self.story_id, interaction.user.id, self.text.value)
        await reply(interaction, answer.reply, view=choices_view(answer) if answer.ok else discord.utils.MISSING)


class StoryWriteButton(PersistentItem[discord.ui.Button[Any]], prefix="story:write", fields={"id": INTEGER},
                       added={"programme": INTEGER}):
    ack = "none"  # a modal is the first response: its words come from the programme the custom_id names

    def __init__(self, story_id: int, programme_id: int | None, label: str = "Write my story") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=self.build_id(story_id, programme_id)))
        self.story_id, self.programme_id = story_id, programme_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> StoryWriteButton:
        programme = fields.get("programme")
        return cls(int(fields["id"]), int(programme) if programme else None, label_of(item, "Write my story"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        words = bot_of(interaction).services.stories.form_words(self.programme_id)
        await interaction.response.send_modal(StoryModal(self.story_id, words))


class StoryNoButton(PersistentItem[discord.ui.Button[Any]], prefix="story:no", fields={"id": INTEGER}):
    def __init__(self, story_id: int, label: str = "No thanks") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=self.build_id(story_id)))
        self.story_id = story_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> StoryNoButton:
        return cls(int(fields["id"]), label_of(item, "No thanks"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        answer = await bot_of(interaction).services.stories.decline(self.story_id, interaction.user.id)
        await reply(interaction, answer.reply)


def choices_view(answer: StoryAnswer) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for choice in answer.choices[:10]:
        view.add_item(StoryWhereButton(choice.destination, choice.with_handle, answer.story_id, choice.label))
    view.stop()
    return view


class StoryWhereButton(PersistentItem[discord.ui.Button[Any]], prefix="story:to",
                       fields={"where": WHERE, "handle": "[01]", "id": INTEGER}):
    """Shows exactly what would be posted there; nothing is sent."""

    def __init__(self, where: str, with_handle: bool, story_id: int, label: str = "Preview") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary,
                                           custom_id=self.build_id(where, int(with_handle), story_id)))
        self.where, self.with_handle, self.story_id = where, with_handle, story_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> StoryWhereButton:
        return cls(fields["where"], fields["handle"] == "1", int(fields["id"]), label_of(item, "Preview"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        answer = await bot_of(interaction).services.stories.preview(self.story_id, interaction.user.id, self.where,
                                                                    self.with_handle)
        if not answer.ok or answer.preview is None:
            await reply(interaction, answer.reply)
            return
        shown = answer.preview.replace("```", "'''")
        words = answer.words
        view = discord.ui.View(timeout=None)
        view.add_item(StoryPostButton(self.where, self.with_handle, answer.version, self.story_id,
                                      words.share_button))
        view.add_item(StoryWriteButton(self.story_id, answer.programme.id if answer.programme else None,
                                       words.rewrite_button))
        view.stop()
        await reply(interaction, f"{answer.reply}:\n```\n{shown}\n```\n"
                                 + words.say("nothing_sent", button=words.share_button), view=view)


class StoryPostButton(PersistentItem[discord.ui.Button[Any]], prefix="story:post",
                      fields={"where": WHERE, "handle": "[01]", "version": INTEGER, "id": INTEGER}):
    """The explicit confirmation of one preview: the service claims the story before posting (never twice)."""

    def __init__(self, where: str, with_handle: bool, version: int, story_id: int,
                 label: str = "Yes, share it") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.success,
                                           custom_id=self.build_id(where, int(with_handle), version, story_id)))
        self.where, self.with_handle, self.version, self.story_id = where, with_handle, version, story_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> StoryPostButton:
        return cls(fields["where"], fields["handle"] == "1", int(fields["version"]), int(fields["id"]),
                   label_of(item, "Yes, share it"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        answer = await bot.services.stories.confirm(self.story_id, interaction.user.id, self.where,
                                                    self.with_handle, self.version)
        await reply(interaction, answer.reply)
        for text in answer.organisers_notice:
            if answer.programme is not None:
                await tell_organisers(bot, answer.programme, text)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    StoryWriteButton, StoryNoButton, StoryWhereButton, StoryPostButton)
