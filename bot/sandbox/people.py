"""Simulated people: they act through the local Discord exactly as a user's client would, so the bot sees
GUILD_MEMBER_ADD, INTERACTION_CREATE (buttons, selects, modals, slash commands), MESSAGE_CREATE and
GUILD_MEMBER_REMOVE over its real gateway connection.

    amara = sandbox.person("Amara", dms_open=True)
    await amara.join(guild)
    msg = await amara.next_dm(timeout=5)
    await amara.click("Mentee")
    await amara.choose(["primary", "secondary"])
    await amara.say("Europe/London")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot.sandbox.discord import actors
from bot.sandbox.discord.messages import post_message, visible_messages
from bot.sandbox.discord.model import (
    CallbackType,
    Channel,
    Guild,
    Interaction,
    InteractionType,
    Member,
    Message,
    User,
)

if TYPE_CHECKING:
    from bot.sandbox.discord.server import SandboxDiscord

JSON = dict[str, Any]

#: Behaviour labels a scenario may give a persona; what each means is scripted elsewhere.
BEHAVIOURS = ("eager", "slow", "abandons", "nonsense", "dms_closed", "ignores_nudges", "ends_match")
LOADING_FLAG = 1 << 7
_SELECT_TYPES = (3, 5, 6, 7, 8)


class InteractionFailed(AssertionError):
    """The bot did not acknowledge an interaction in time: the person sees "This interaction failed"."""


class InteractionResult:
    """What a person saw after an interaction: the response, the original message and follow-ups (live)."""

    def __init__(self, sandbox: SandboxDiscord, interaction: Interaction) -> None:
        self.sandbox = sandbox
        self.interaction = interaction

    @property
    def acknowledged(self) -> bool:
        return self.interaction.acknowledged

    @property
    def response_type(self) -> int | None:
        return self.interaction.response_type

    @property
    def deferred(self) -> bool:
        return self.response_type in (CallbackType.DEFERRED_CHANNEL_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE)

    @property
    def modal(self) -> JSON | None:
        return self.interaction.modal

    @property
    def message(self) -> Message | None:
        """The original response (a new message, or for an update the message that was updated)."""
        state = self.sandbox.state
        if self.interaction.original_message_id is not None:
            return state.messages[self.interaction.original_message_id]
        if self.response_type in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE) \
                and self.interaction.message_id is not None:
            return state.messages[self.interaction.message_id]
        return None

    @property
    def followups(self) -> list[Message]:
        return [self.sandbox.state.messages[m] for m in self.interaction.followup_ids]

    @property
    def messages(self) -> list[Message]:
        first = self.message
        shown = [first] if first is not None and not first.flags & LOADING_FLAG else []
        # the first follow-up after a deferral replaced the "thinking…" message: it is the same message
        return shown + [m for m in self.followups if first is None or m.id != first.id]

    @property
    def content(self) -> str:
        """All text the person got back, original response first."""
        parts: list[str] = []
        for m in self.messages:
            parts.append(m.content)
            parts.extend(str(e.get("title", "")) + "\n" + str(e.get("description", "")) for e in m.embeds)
        return "\n".join(p for p in parts if p.strip())

    def _answered(self) -> bool:
        msg = self.message
        if self.response_type == CallbackType.DEFERRED_UPDATE_MESSAGE:
            return bool(self.followups) or self.interaction.edits > 0
        loaded = msg is not None and not msg.flags & LOADING_FLAG and msg.edited_timestamp is not None
        return bool(self.followups) or loaded

    async def wait_answer(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109
        """After a deferral, wait until the original response (or, deferred as an update, the message whose
        component was used) is edited or a follow-up arrives."""
        await self.sandbox.state.wait_for(self._answered, timeout)
        return self

    async def wait_followups(self, count: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        await self.sandbox.state.wait_for(lambda: len(self.interaction.followup_ids) >= count, timeout)
        return self.followups

    def __repr__(self) -> str:
        return f"<InteractionResult type={self.response_type} content={self.content[:60]!r}>"


class Persona:
    """One simulated person with a Discord account in the sandbox."""

    def __init__(self, sandbox: SandboxDiscord, name: str, *, dms_open: bool = True,
                 behaviours: Iterable[str] = ()) -> None:
        self.sandbox = sandbox
        self.name = name
        self.behaviours = set(behaviours)
        unknown = self.behaviours - set(BEHAVIOURS)
        if unknown:
            raise ValueError(f"unknown behaviour label(s): {sorted(unknown)}")
        if "dms_closed" in self.behaviours:
            dms_open = False
        self.user: User = sandbox.create_user(name, dms_open=dms_open)
        self.guild: Guild | None = None
        self.interactions: list[InteractionResult] = []
        self._dm_cursor = 0  # highest DM message id handed out by next_dm

    def __repr__(self) -> str:
        return f"<Persona {self.name} id={self.id}>"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @property
    def dms_open(self) -> bool:
        return self.user.dms_open

    @dms_open.setter
    def dms_open(self, value: bool) -> None:
        self.user.dms_open = value

    def is_(self, behaviour: str) -> bool:
        return behaviour in self.behaviours

    # ---- membership -------------------------------------------------------------------------------
    async def join(self, guild: Guild, roles: Iterable[Any] = (), *, unseen: bool = False) -> Member:
        """Join the guild (the bot receives GUILD_MEMBER_ADD; ``unseen``: it never does — the event reached a
        process that died before the welcome made the person's row, or a shard that was down)."""
        self.guild = guild
        return self.sandbox.state.add_member(guild, self.user, [int(getattr(r, "id", r)) for r in roles],
                                             announce=not unseen)

    async def leave(self, guild: Guild | None = None) -> None:
        """Leave the guild (the bot receives GUILD_MEMBER_REMOVE)."""
        target = guild or self.guild
        if target is not None:
            self.sandbox.state.remove_member(target, self.user)

    def give_role(self, role: Any) -> None:
        guild = self._require_guild(None)
        self.sandbox.state.add_member_role(guild, self.id, int(getattr(role, "id", role)))

    def mark_interested(self, event_id: int, interested: bool = True) -> None:
        """Click "Interested" on a guild scheduled event in Discord's client (again: take it back)."""
        guild = self._require_guild(None)
        self.sandbox.state.set_interested(guild, int(event_id), self.id, interested)

    def can_see(self, channel: Channel | int) -> bool:
        return self.sandbox.can_see(self.id, channel)

    # ---- reading ----------------------------------------------------------------------------------
    @property
    def dm_channel(self) -> Channel | None:
        cid = self.sandbox.state.dm_channels.get(self.id)
        return self.sandbox.state.channels[cid] if cid is not None else None

    def dms(self) -> list[Message]:
        """Every DM the bot has sent this person, oldest first (current content, after edits)."""
        channel = self.dm_channel
        if channel is None:
            return []
        found = [m for m in self.sandbox.state.messages.values()
                 if m.channel_id == channel.id and m.author_id != self.id and not m.deleted]
        return sorted(found, key=lambda m: m.id)

    async def next_dm(self, timeout: float = 5.0, *, include_responses: bool = False) -> Message:  # noqa: ASYNC109
        """The next DM from the bot that this person has not read yet (waits for it). Answers to this
        person's own clicks/commands come back from :meth:`click` etc. and are skipped unless asked for."""
        def unread() -> Message | None:
            return next((m for m in self.dms() if m.id > self._dm_cursor
                         and (include_responses or m.interaction_id is None)), None)

        msg: Message = await self.sandbox.state.wait_for(unread, timeout)
        self._dm_cursor = msg.id
        return msg

    def visible_messages(self) -> list[Message]:
        """Everything this person can see, newest first (DMs, ephemerals to them, visible channels)."""
        return visible_messages(self.sandbox.state, self.id)

    async def next_message(self, channel: Channel | int, *, after: int = 0, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """Wait for a message (not by this person) in a channel they can see, newer than ``after``."""
        cid = channel if isinstance(channel, int) else channel.id

        def found() -> Message | None:
            return next((m for m in reversed(self.visible_messages())
                         if m.channel_id == cid and m.id > after and m.author_id != self.id), None)

        result: Message = await self.sandbox.state.wait_for(found, timeout)
        return result

    def _latest_with(self, predicate: Callable[[JSON], bool], what: str) -> tuple[Message, JSON]:
        for msg in self.visible_messages():
            for comp in actors.walk_components(msg.components):
                if predicate(comp):
                    return msg, comp
        raise LookupError(f"{self.name} sees no message with {what}")

    # ---- acting -----------------------------------------------------------------------------------
    async def click(self, label_or_custom_id: str, *, message: Message | None = None, timeout: float = 5.0,  # noqa: ASYNC109
                    expect_ack: bool = True) -> InteractionResult:
        """Click a button by label (or custom_id) on the latest message that has it."""
        def is_button(c: JSON) -> bool:
            return c.get("type") == 2 and label_or_custom_id in (c.get("label"), c.get("custom_id")) \
                and c.get("style") != 5

        msg, comp = self._component(message, is_button, f"a button {label_or_custom_id!r}")
        if comp.get("disabled"):
            raise LookupError(f"button {label_or_custom_id!r} is disabled")
        return await self._interact(InteractionType.MESSAGE_COMPONENT, msg, actors.component_data(comp),
                                    timeout, expect_ack)

    async def choose(self, values: str | list[str], *, custom_id: str | None = None, message: Message | None = None,
                     timeout: float = 5.0, expect_ack: bool = True) -> InteractionResult:  # noqa: ASYNC109
        """Pick option(s) (by value or label) in the select menu of the latest message that has one."""
        picked = [values] if isinstance(values, str) else list(values)

        def is_select(c: JSON) -> bool:
            return c.get("type") in _SELECT_TYPES and (custom_id is None or c.get("custom_id") == custom_id)

        msg, comp = self._component(message, is_select, "a select menu")
        if comp.get("disabled"):
            raise LookupError("the select menu is disabled")
        if comp.get("type") == 3:
            options = comp.get("options") or []
            by_label = {o["label"]: o["value"] for o in options}
            allowed = {o["value"] for o in options}
            picked = [by_label.get(v, v) for v in picked]
            bad = [v for v in picked if v not in allowed]
            if bad:
                raise ValueError(f"{bad} not among the options {sorted(allowed)}")
        low, high = int(comp.get("min_values", 1)), int(comp.get("max_values", 1))
        if not low <= len(picked) <= high:
            raise ValueError(f"choose between {low} and {high} option(s), got {len(picked)}")
        return await self._interact(InteractionType.MESSAGE_COMPONENT, msg, actors.component_data(comp, picked),
                                    timeout, expect_ack)

    async def submit_modal(self, answers: Mapping[str, str | list[str]], *, timeout: float = 5.0,  # noqa: ASYNC109
                           expect_ack: bool = True) -> InteractionResult:
        """Answer the modal the bot opened for this person most recently (fields by custom_id or label)."""
        opened = next((r for r in reversed(self.interactions) if r.modal is not None), None)
        if opened is None or opened.modal is None:
            raise LookupError(f"no modal is open for {self.name}")
        source = opened.interaction
        data = actors.modal_submit_data(opened.modal, answers)
        self.interactions.remove(opened)  # a modal is answered once
        state = self.sandbox.state
        channel = state.channels[source.channel_id]
        message = state.messages.get(source.message_id) if source.message_id else None
        inter = actors.start_interaction(state, self.user, InteractionType.MODAL_SUBMIT, channel, data, message,
                                         triggered_by=source)
        return await self._answer_of(inter, timeout, expect_ack)

    async def slash(self, name: str, *path: str, options: Mapping[str, Any] | None = None,
                    guild: Guild | None = None, channel: Channel | None = None, timeout: float = 5.0,  # noqa: ASYNC109
                    expect_ack: bool = True) -> InteractionResult:
        """Run ``/name sub... option:value`` in a guild channel (or the DM with the bot when not in a guild)."""
        state = self.sandbox.state
        target_guild = guild or (self.sandbox.state.guilds.get(channel.guild_id or 0) if channel else self.guild)
        cmd = state.find_command(name, target_guild.id if target_guild else None)
        if cmd is None:
            raise LookupError(f"/{name} is not registered (did the bot sync its commands?)")
        if target_guild is not None:
            required = cmd.raw.get("default_member_permissions")
            if required is not None and int(required) & ~state.guild_permissions(target_guild, self.id):
                raise PermissionError(f"{self.name} cannot see /{name} (needs permissions {required})")
            where = channel or actors.guild_text_channel_for(state, self.id, target_guild.id)
            if where is None:
                raise LookupError(f"{self.name} can see no text channel in {target_guild.name}")
        else:
            where = state.open_dm(self.id)
        data = actors.command_data(state, cmd, path, options or {})
        inter = actors.start_interaction(state, self.user, InteractionType.APPLICATION_COMMAND, where, data)
        return await self._answer_of(inter, timeout, expect_ack)

    async def say(self, text: str, channel: Channel | None = None, *, reply_to: Message | None = None) -> Message:
        """Type a message in the DM with the bot (default) or in a channel; ``reply_to``: as a Discord reply
        to that message (in its channel)."""
        state = self.sandbox.state
        body: JSON = {"content": text}
        if reply_to is not None:
            channel = channel or state.channels[reply_to.channel_id]
            body["message_reference"] = {"message_id": str(reply_to.id), "channel_id": str(reply_to.channel_id)}
        where = channel or state.open_dm(self.id)
        return post_message(state, where, self.id, body)

    # ---- internals --------------------------------------------------------------------------------
    def _component(self, message: Message | None, predicate: Callable[[JSON], bool], what: str) -> tuple[Message, JSON]:
        if message is None:
            return self._latest_with(predicate, what)
        current = self.sandbox.state.messages[message.id]
        comp = next((c for c in actors.walk_components(current.components) if predicate(c)), None)
        if comp is None:
            raise LookupError(f"message {message.id} has no {what}")
        return current, comp

    async def _interact(self, kind: int, msg: Message, data: JSON, timeout: float, expect_ack: bool) -> InteractionResult:  # noqa: ASYNC109
        state = self.sandbox.state
        channel = state.channels[msg.channel_id]
        inter = actors.start_interaction(state, self.user, kind, channel, data, msg)
        return await self._answer_of(inter, timeout, expect_ack)

    async def _answer_of(self, inter: Interaction, timeout: float, expect_ack: bool) -> InteractionResult:  # noqa: ASYNC109
        """The acknowledgement within Discord's 3 seconds, then (after a "thinking…" deferral) the answer itself.
        A deferred update may never change the message: wait for it with :meth:`InteractionResult.wait_answer`."""
        result = await self._await_ack(inter, timeout, expect_ack)
        if result.response_type == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            await result.wait_answer(timeout)
        return result

    async def _await_ack(self, inter: Interaction, timeout: float, expect_ack: bool) -> InteractionResult:  # noqa: ASYNC109
        result = InteractionResult(self.sandbox, inter)
        self.interactions.append(result)
        window = min(timeout, self.sandbox.limits.interaction_ack_seconds + 0.25)
        try:
            await self.sandbox.state.wait_for(lambda: inter.acknowledged, window)
        except TimeoutError:
            if expect_ack:
                raise InteractionFailed(
                    f"{self.name}: the bot did not acknowledge interaction {inter.data.get('custom_id') or inter.data.get('name')!r} "
                    f"within {self.sandbox.limits.interaction_ack_seconds:g}s"
                ) from None
        return result

    def _require_guild(self, guild: Guild | None) -> Guild:
        target = guild or self.guild
        if target is None:
            raise LookupError(f"{self.name} is not in a guild")
        return target


__all__ = ["BEHAVIOURS", "InteractionFailed", "InteractionResult", "Persona"]
