"""Interactions: persistent components that build and parse their own custom_id, acknowledged before any
database work, and one error path for every button, select and modal (slash commands: ``MentorTree``).

Discord gives an interaction 3 seconds for its first response. Every handler here first acknowledges
(a deferral, or an answer that needs nothing from the database) and only then calls a service, so a slow or
locked database makes the answer late, never the click "failed". Whatever goes wrong afterwards ends in one
short, human, ephemeral answer and one log line with the interaction id (:func:`bot.app.answer_failure`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, cast

import discord

from bot.app import answer_failure
from cogs.kit.messaging import NO_PINGS

if TYPE_CHECKING:
    from typing import Self

    from bot.app import MentorBot

#: How a handler acknowledges before its work: a private "thinking…" answer, a visible one (the DM interview),
#: a silent "I'll update this message", or nothing (the handler's first response needs no database: a modal).
Ack = Literal["ephemeral", "visible", "update", "none"]
ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])
CUSTOM_ID_LIMIT = 100
INTEGER = r"[0-9]+"
KEY = r"[a-z][a-z0-9_]*"


def bot_of(interaction: discord.Interaction[Any]) -> MentorBot:
    return cast("MentorBot", interaction.client)


def selected(interaction: discord.Interaction[Any]) -> list[str]:
    """The values picked in a select menu."""
    data = cast(dict[str, Any], interaction.data or {})
    return [str(v) for v in data.get("values", [])]


async def acknowledge(interaction: discord.Interaction[Any], ack: Ack) -> None:
    """The first response (unless ``ack`` is "none": the work's own answer is the first response)."""
    if ack == "none":
        return
    if not interaction.response.is_done():
        if ack == "update":
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=ack == "ephemeral", thinking=True)
    acks = getattr(interaction.client, "acks", None)
    if acks is not None:
        acks.acknowledged(interaction.id)


def work_after(interaction: discord.Interaction[Any], ack: Ack) -> AbstractAsyncContextManager[None]:
    """Where the work after an acknowledgement runs: its turn (every interaction that arrived before is
    acknowledged first) and a work slot (:class:`bot.ack_first.AckFirst`). Work that is itself the first
    response (``ack`` "none") runs at once."""
    acks = getattr(interaction.client, "acks", None)
    return acks.work() if acks is not None and ack != "none" else nullcontext()


async def reply(interaction: discord.Interaction[Any], content: str, **kwargs: Any) -> None:
    """The answer after the acknowledgement (or as it, when there was none yet); private, pinging nobody."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def handle(interaction: discord.Interaction[Any], ack: Ack,
                 work: Callable[[discord.Interaction[Any]], Awaitable[None]]) -> None:
    """Acknowledge, do the work, and turn any failure into the one error answer."""
    try:
        await acknowledge(interaction, ack)
        async with work_after(interaction, ack):
            await work(interaction)
    except Exception as exc:
        await answer_failure(interaction, exc)


class PersistentItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A component that survives restarts: everything its handler needs is in its custom_id
    ``prefix:field:field…``, which this class alone builds (:meth:`build_id`) and parses (:meth:`parse_id`).

    Subclasses declare ``prefix=`` and ``fields=`` (name → regex), implement :meth:`rebuild` (from the parsed
    fields) and :meth:`run` (the work, after the acknowledgement chosen by ``ack``). ``added=`` (name → regex)
    declares fields added to the custom_id after buttons were already sent: they come last, and a custom_id
    without them (a button sent before) still parses, with ``None`` for each.
    """

    prefix: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    added: ClassVar[tuple[str, ...]]
    ack: ClassVar[Ack] = "ephemeral"

    def __init_subclass__(cls, *, prefix: str, fields: Mapping[str, str] | None = None,
                          added: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        fields, added = fields or {}, added or {}
        cls.prefix, cls.fields, cls.added = prefix, tuple(fields), tuple(added)
        later = "".join(f"(?::(?P<{name}>{rx})" for name, rx in added.items()) + ")?" * len(added)
        pattern = re.escape(prefix) + "".join(f":(?P<{name}>{rx})" for name, rx in fields.items()) + later + "$"
        super().__init_subclass__(template=pattern, **kwargs)

    @classmethod
    def build_id(cls, *values: object) -> str:
        """``prefix:value:value…`` — checked against the class's own template and Discord's 100 characters. A
        value for every field, then one for each added field (``None``: left out, with those after it)."""
        if not len(cls.fields) <= len(values) <= len(cls.fields) + len(cls.added):
            raise ValueError(f"{cls.__name__} needs {len(cls.fields)} value(s), got {len(values)}")
        given = list(values[:len(cls.fields)])
        for value in values[len(cls.fields):]:
            if value is None:
                break
            given.append(value)
        custom_id = ":".join([cls.prefix, *(str(v) for v in given)])
        if len(custom_id) > CUSTOM_ID_LIMIT or not cls.__discord_ui_compiled_template__.match(custom_id):
            raise ValueError(f"{custom_id[:120]!r} is not a valid {cls.__name__} custom_id")
        return custom_id

    @classmethod
    def parse_id(cls, custom_id: str) -> dict[str, str] | None:
        """The fields of a custom_id this class built (an added field it lacks: ``None``); ``None`` when it is
        not one."""
        if len(custom_id) > CUSTOM_ID_LIMIT:
            return None
        found = cls.__discord_ui_compiled_template__.match(custom_id)
        return found.groupdict() if found else None

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> Self:
        return cls.rebuild(match.groupdict(), item)

    @classmethod
    def rebuild(cls, fields: dict[str, str], item: discord.ui.Item[Any]) -> Self:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handle(interaction, self.ack, self.run)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError


def label_of(item: discord.ui.Item[Any], default: str) -> str:
    """The label a component was sent with (kept when it is rebuilt from its custom_id)."""
    return getattr(item, "label", None) or default


class KitView(discord.ui.View):
    """A short-lived view (one organiser's flow): its errors take the one error path too."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any]) -> None:
        await answer_failure(interaction, error)


class KitModal(discord.ui.Modal):
    """A modal whose submission is acknowledged (``ack``) before :meth:`run`, with the one error path."""

    ack: ClassVar[Ack] = "ephemeral"

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await acknowledge(interaction, self.ack)
        async with work_after(interaction, self.ack):
            await self.run(interaction)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception) -> None:  # type: ignore[override]
        await answer_failure(interaction, error)
