"""Persistent buttons: a reminder's "I'll be there" / "Can't make it" (``eventrsvp:<yes|no>:<event>``) and the
one feedback question's answers (``eventfb:<answer>:<message row>``). Everything is in the custom_id."""

from __future__ import annotations

from typing import Any

import discord

from bot.services.events import FEEDBACK_ANSWERS, EventDelivery
from cogs.kit.interactions import INTEGER, PersistentItem, bot_of, label_of, reply


class RsvpButton(PersistentItem[discord.ui.Button[Any]], prefix="eventrsvp", fields={"answer": "yes|no", "id": INTEGER}):
    def __init__(self, answer: str, event_id: int, label: str = "…") -> None:
        style = discord.ButtonStyle.success if answer == "yes" else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=self.build_id(answer, event_id)))
        self.answer, self.event_id = answer, event_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> RsvpButton:
        return cls(fields["answer"], int(fields["id"]), label_of(item, "…"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        text = await bot_of(interaction).services.events.answer(self.event_id, interaction.user.id,
                                                                self.answer == "yes")
        await reply(interaction, text)


class FeedbackButton(PersistentItem[discord.ui.Button[Any]], prefix="eventfb",
                     fields={"answer": "|".join(FEEDBACK_ANSWERS), "id": INTEGER}):
    def __init__(self, answer: str, row_id: int, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=self.build_id(answer, row_id)))
        self.answer, self.row_id = answer, row_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> FeedbackButton:
        return cls(fields["answer"], int(fields["id"]), label_of(item, "…"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await reply(interaction, await bot_of(interaction).services.events.feedback(
            self.row_id, interaction.user.id, self.answer))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (RsvpButton, FeedbackButton)


def delivery_view(d: EventDelivery) -> discord.ui.View | None:
    if not d.buttons:
        return None
    view = discord.ui.View(timeout=None)
    words = d.programme.config.messages().events
    if d.buttons == "rsvp":
        view.add_item(RsvpButton("yes", d.event_id, words.going_button))
        view.add_item(RsvpButton("no", d.event_id, words.not_going_button))
    else:
        for answer, label in words.feedback_labels().items():
            view.add_item(FeedbackButton(answer, d.row_id, label))
    view.stop()
    return view
