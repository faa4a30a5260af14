"""A pair's goals on Discord, as components any feature can carry: the mentee's invitation (keep the profile's
choices, or write them in a modal), the "Goal progress" button a check-in carries per pair, and the per-goal
progress selects it opens. Every custom_id starts with ``goals:``; each handler acknowledges first, then asks
:class:`bot.services.goals.GoalService`, which checks the clicker is the right person.

The modal is pre-filled from the message the button is on (its embed lists the goals, one field each), and its
words come from the programme the button names (``goals:write:<match>:<programme>``), so opening it needs no
database read before Discord's three seconds are up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.goals import (
    GOAL_LENGTH,
    MAX_GOALS,
    PROGRESS,
    GoalView,
    PairGoals,
    goal_field,
    goal_lines,
    progress_label,
)
from bot.onboarding.safe_text import clean_input, safe_text
from bot.services.goals import GoalsSaved, goal_words
from bot.voice import GoalWords
from cogs.kit.interactions import INTEGER, KitModal, PersistentItem, bot_of, label_of, reply, selected
from cogs.kit.messaging import NO_PINGS, messageable, send_privately_to

if TYPE_CHECKING:
    from bot.app import MentorBot

log = logging.getLogger(__name__)
EMBED_COLOUR = discord.Colour.gold()


def goals_embed(title: str, texts: Sequence[str], words: GoalWords, description: str = "",
                progress: Sequence[str] | None = None) -> discord.Embed:
    """The goals as an embed, one field each (named in the programme's words: ``Goal 1``…), and nothing else:
    what the modal is pre-filled from."""
    embed = discord.Embed(title=title[:256], description=description[:4000] or None, colour=EMBED_COLOUR)
    labels = words.progress_labels()
    for i, text in enumerate(texts[:MAX_GOALS], start=1):
        state = f" · {progress_label(progress[i - 1], labels=labels)}" \
            if progress is not None and i <= len(progress) else ""
        embed.add_field(name=f"{words.say('goal_label', number=i)}{state}"[:256],
                        value=clean_input(text)[:GOAL_LENGTH] or "—", inline=False)
    return embed


def prefill_from(message: discord.Message | None) -> list[str]:
    """The goals shown on ``message``: its first embed's fields (a goals embed holds nothing else, whatever the
    programme calls a goal)."""
    if message is None or not message.embeds:
        return []
    return [f.value or "" for f in message.embeds[0].fields][:MAX_GOALS]


def pair_embed(pair: PairGoals, words: GoalWords, *, title: str | None = None) -> discord.Embed:
    title = title or words.say("pair_title", mentor=safe_text(pair.mentor_name, 60),
                               mentee=safe_text(pair.mentee_name, 60))
    if not pair.goals:
        return goals_embed(title, [], words, words.none_set)
    return goals_embed(title, [g.text for g in pair.goals], words, progress=[g.progress for g in pair.goals])


# ---- the mentee's invitation and edits ---------------------------------------------------------------------


class GoalsModal(KitModal):
    """One to three goals, a line each, pre-filled with what the mentee had (or their profile's choices)."""

    def __init__(self, match_id: int, prefill: Sequence[str], words: GoalWords | None = None) -> None:
        words = words or GoalWords()
        super().__init__(title=words.form_title, custom_id=f"goals:modal:{match_id}", timeout=1800)
        self.match_id = match_id
        self.inputs: list[discord.ui.TextInput[GoalsModal]] = []
        for i in range(MAX_GOALS):
            field: discord.ui.TextInput[GoalsModal] = discord.ui.TextInput(
                label=words.say("goal_label" if i == 0 else "goal_optional", number=i + 1),
                style=discord.TextStyle.short, custom_id=goal_field(i + 1), max_length=GOAL_LENGTH,
                required=i == 0, default=(prefill[i] if i < len(prefill) else None) or None,
                placeholder=words.goal_example if i == 0 else None)
            self.inputs.append(field)
            self.add_item(field)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        saved = await bot.services.goals.set_goals(self.match_id, interaction.user.id, [f.value for f in self.inputs])
        await reply(interaction, saved.reply)
        await share_in_space(bot, saved)


class GoalsWriteButton(PersistentItem[discord.ui.Button[Any]], prefix="goals:write", fields={"match": INTEGER},
                       added={"programme": INTEGER}):
    """Opens the goals modal (a modal is the first response: no deferral, no database). The custom_id names the
    match's programme, whose words the form speaks in; a button sent before it did (``goals:write:<match>``)
    still opens the form."""

    ack = "none"

    def __init__(self, match_id: int, programme_id: int | None, label: str = "Write my goals",
                 row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, row=row,
                                           custom_id=self.build_id(match_id, programme_id)))
        self.match_id, self.programme_id = match_id, programme_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> GoalsWriteButton:
        programme = fields.get("programme")
        return cls(int(fields["match"]), int(programme) if programme else None, label_of(item, "Write my goals"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        words = bot_of(interaction).services.goals.form_words(self.programme_id)
        await interaction.response.send_modal(GoalsModal(self.match_id, prefill_from(interaction.message), words))


class GoalsUseButton(PersistentItem[discord.ui.Button[Any]], prefix="goals:use", fields={"match": INTEGER}):
    """Keeps the profile's choices as the goals."""

    def __init__(self, match_id: int, label: str = "Use these goals", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary, row=row,
                                           custom_id=self.build_id(match_id)))
        self.match_id = match_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> GoalsUseButton:
        return cls(int(fields["match"]), label_of(item, "Use these goals"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        saved = await bot.services.goals.use_suggestions(self.match_id, interaction.user.id)
        await reply(interaction, saved.reply)
        await share_in_space(bot, saved)


def invite_view(match_id: int, programme_id: int, suggestions: Sequence[str], words: GoalWords) -> discord.ui.View:
    """The mentee's invitation: keep the profile's choices (when there are some), or write them."""
    view = discord.ui.View(timeout=None)
    if suggestions:
        view.add_item(GoalsUseButton(match_id, words.use_button))
        view.add_item(GoalsWriteButton(match_id, programme_id, words.change_button))
    else:
        view.add_item(GoalsWriteButton(match_id, programme_id, words.write_button))
    view.stop()
    return view


async def share_in_space(bot: MentorBot, saved: GoalsSaved) -> None:
    """After the mentee saved goals that changed: the pair's space shows them (the mentor sees them there); a
    mentor's pod, shared by all their mentees, does not — the mentor gets them by DM, or with DMs closed in their
    own private thread beside the pod (:func:`send_privately_to`: closed DMs remembered, the organisers told once,
    and of a mentor nothing could reach)."""
    pair, programme = saved.pair, saved.programme
    if not saved.ok or not saved.changed or pair is None or programme is None:
        return
    space = None if programme.config.pods else pair.space_id
    # privately the mentee is named, not mentioned: a mention in the mentor's private thread would add them to it
    mentee = f"<@{pair.mentee_discord_id}>" if pair.mentee_discord_id and space is not None \
        else safe_text(pair.mentee_name, 60)
    text = programme.config.messages().say("goals_shared", mentee=mentee, programme=programme.config.name)
    words = programme.config.messages().goals
    embed = pair_embed(pair, words, title=words.shared_title)
    try:
        if space is not None:
            await bot.pacer_send(messageable(bot, space), content=text[:2000], allowed_mentions=NO_PINGS,
                                 embed=embed)
        elif saved.mentor is not None:  # a mentor's pod is shared by their mentees: only the mentor
            await send_privately_to(bot, programme, saved.mentor, pair.space_id,
                                    about="to show them their pair's new goals",
                                    content=text[:2000], allowed_mentions=NO_PINGS, embed=embed)
    except discord.HTTPException as exc:
        log.warning("could not show the goals of match %s to its mentor: %s", pair.match_id, exc)


# ---- progress --------------------------------------------------------------------------------------------


class GoalProgressSelect(PersistentItem[discord.ui.Select[Any]], prefix="goals:set", fields={"goal": INTEGER}):
    """Where one goal stands; the mentor and the mentee of its pair may set it."""

    def __init__(self, goal: GoalView | int, row: int | None = None, labels: Mapping[str, str] = PROGRESS) -> None:
        goal_id = goal if isinstance(goal, int) else goal.goal_id
        current = None if isinstance(goal, int) else goal.progress
        placeholder = "How is this goal going?" if isinstance(goal, int) else \
            f"{goal.position}. {clean_input(goal.text)}"[:150]  # (a rebuilt select is never shown)
        super().__init__(discord.ui.Select(
            custom_id=self.build_id(goal_id), placeholder=placeholder, min_values=1, max_values=1, row=row,
            options=[discord.SelectOption(label=progress_label(key, labels=labels)[:100], value=key,
                                          default=key == current, description=labels.get(key, key)[:100])
                     for key in PROGRESS]))
        self.goal_id = goal_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> GoalProgressSelect:
        return cls(int(fields["goal"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        picked = selected(interaction)
        saved = await bot_of(interaction).services.goals.record_progress(self.goal_id, interaction.user.id,
                                                                          picked[0] if picked else "")
        await reply(interaction, saved.reply)


def progress_view(pair: PairGoals, *, can_edit: bool, words: GoalWords) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    labels = words.progress_labels()
    for row, goal in enumerate(pair.goals[:MAX_GOALS]):
        view.add_item(GoalProgressSelect(goal, row=row, labels=labels))
    if can_edit and pair.active:
        view.add_item(GoalsWriteButton(pair.match_id, pair.programme_id,
                                       words.change_goals_button if pair.goals else words.write_button, row=MAX_GOALS))
    view.stop()
    return view


async def show_progress(interaction: discord.Interaction[Any], match_id: int) -> None:
    """After the acknowledgement: the pair's goals, each with its progress select (only to one of the pair)."""
    bot = bot_of(interaction)
    found = await bot.services.goals.pair_goals(match_id, interaction.user.id)
    if isinstance(found, str):
        await reply(interaction, found)
        return
    mentee = found.mentee_discord_id == interaction.user.id
    words = goal_words(bot.services.programmes.by_id(found.programme_id))
    if not found.goals:
        text = words.no_goals_mentee if mentee else \
            words.say("no_goals_mentor", mentee=safe_text(found.mentee_name, 60))
        await reply(interaction, text, view=progress_view(found, can_edit=mentee, words=words))
        return
    await reply(interaction, f"{words.how_going}\n" + goal_lines(found.goals, labels=words.progress_labels()),
                embed=pair_embed(found, words), view=progress_view(found, can_edit=mentee, words=words))


class GoalProgressButton(PersistentItem[discord.ui.Button[Any]], prefix="goals:progress", fields={"match": INTEGER}):
    """"Goal progress" on a check-in (one per pair): opens the goals with their progress selects."""

    def __init__(self, match_id: int, label: str = "Goal progress", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, row=row,
                                           custom_id=self.build_id(match_id)))
        self.match_id = match_id

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> GoalProgressButton:
        return cls(int(fields["match"]), label_of(item, "Goal progress"))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_progress(interaction, self.match_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    GoalsWriteButton, GoalsUseButton, GoalProgressSelect, GoalProgressButton)
