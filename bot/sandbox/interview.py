"""A simulated person answering the bot's interview through the local Discord, the way a person would:
reading the bot's latest message, clicking its buttons, picking from its menus, typing the rest."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.onboarding.questions import Question
from bot.sandbox.discord import Message
from bot.sandbox.discord.actors import walk_components
from bot.sandbox.people import InteractionResult, Persona

ONB_ID = re.compile(r"^onb(?:sel|txt|sug)?:(\d+):([a-z][a-z0-9_]*)")


@dataclass
class InterviewLog:
    """What happened: the keys asked in order, the re-asks seen, the final message."""

    asked: list[str] = field(default_factory=list)
    reasks: list[str] = field(default_factory=list)
    last: str = ""


def conversation_channel(persona: Persona) -> int | None:
    """Where the bot talks to this person: their DM, else the newest private thread they are in."""
    state = persona.sandbox.state
    candidates = [m for m in state.messages.values()
                  if m.author_id == state.bot_user.id and not m.deleted and persona.sandbox.can_see(persona.id, m.channel_id)
                  and (m.guild_id is None or state.channels[m.channel_id].type == 12)]
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.id).channel_id


def latest_bot_message(persona: Persona, channel_id: int) -> Message | None:
    state = persona.sandbox.state
    mine = [m for m in state.messages.values()
            if m.channel_id == channel_id and m.author_id == state.bot_user.id and not m.deleted
            and (m.visible_to is None or m.visible_to == persona.id)]
    return max(mine, key=lambda m: m.id) if mine else None


def question_key(message: Message, questions: list[Question]) -> str | None:
    """Which question a bot message asks: from its components' custom_ids, else from the prompt text."""
    for comp in walk_components(message.components):
        cid = str(comp.get("custom_id", ""))
        if cid.startswith(("onbok:", "onbchg:")):
            return "summary"
        found = ONB_ID.match(cid)
        if found:
            return found.group(2)
    for q in questions:
        if q.prompt in message.content:
            return q.key
    return None


def latest_question(persona: Persona, channel_id: int, questions: list[Question]) -> Message | None:
    """The newest bot message in the channel that asks a question (or shows the summary)."""
    state = persona.sandbox.state
    mine = sorted((m for m in state.messages.values()
                   if m.channel_id == channel_id and m.author_id == state.bot_user.id and not m.deleted
                   and (m.visible_to is None or m.visible_to == persona.id)), key=lambda m: m.id, reverse=True)
    return next((m for m in mine if question_key(m, questions) is not None), None)


def _has(message: Message, prefix: str) -> dict[str, Any] | None:
    return next((c for c in walk_components(message.components) if str(c.get("custom_id", "")).startswith(prefix)), None)


async def answer_one(persona: Persona, message: Message, q: Question, value: Any,
                     channel_id: int) -> InteractionResult | None:
    """Give ``value`` to question ``q`` using what the message offers: the answer to the click or choice, or
    ``None`` for a typed answer (the bot's reply is then the next message)."""
    channel = persona.sandbox.state.channels[channel_id]
    where = None if channel.guild_id is None else channel
    button = None
    if isinstance(value, str):
        button = _has(message, "onb:") and next(
            (c for c in walk_components(message.components)
             if str(c.get("custom_id", "")).endswith(f":{q.key}:{value}")), None)
    if isinstance(value, bool):
        button = next((c for c in walk_components(message.components)
                       if str(c.get("custom_id", "")).endswith(f":{q.key}:{'yes' if value else 'no'}")), None)
    if isinstance(value, int) and not isinstance(value, bool):
        button = next((c for c in walk_components(message.components)
                       if str(c.get("custom_id", "")).endswith(f":{q.key}:{value}")), None)
    if button is not None:
        return await persona.click(str(button["custom_id"]), message=message)
    select = _has(message, "onbsel:")
    if select is not None and q.kind in ("single", "multi"):
        values = value if isinstance(value, list) else [value]
        return await persona.choose([str(v) for v in values], custom_id=str(select["custom_id"]), message=message)
    text = ", ".join(value) if isinstance(value, list) else ("yes" if value is True else "no" if value is False else str(value))
    await persona.say(text, channel=where)
    return None


async def wait_for_reply(persona: Persona, channel_id: int, after: int, timeout: float = 10.0) -> Message:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        msg = latest_bot_message(persona, channel_id)
        if msg is not None and msg.id > after:
            return msg
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{persona.name}: the bot did not answer")
        await asyncio.sleep(0.01)


async def run_interview(
    persona: Persona,
    questions: list[Question],
    answers: Mapping[str, Any],
    *,
    wrong_answers: Mapping[str, str] | None = None,
    stop_after: int | None = None,
    confirm: bool = True,
    timeout: float = 10.0,  # noqa: ASYNC109
    channel_id: int | None = None,
    question: Message | None = None,
) -> InterviewLog:
    """Answer questions until the summary (then Confirm), or until ``stop_after`` answers were given.

    ``wrong_answers`` maps a question key to a wrong typed answer given first (the bot must re-ask).
    ``channel_id``: the conversation to answer in (a person in two programmes has two); default the one
    the bot spoke in last. ``question``: the question the person knows is on screen, to start from (the bot
    answered something they did in between with a notice); default the bot's latest message, and after a notice
    the person waits up to 5 s for a question to follow it before scrolling up.
    """
    log = InterviewLog()
    by_key = {q.key: q for q in questions}
    wrong = dict(wrong_answers or {})
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while channel_id is None:
        channel_id = conversation_channel(persona)
        if channel_id is None:
            if loop.time() > deadline:
                raise TimeoutError(f"{persona.name}: no conversation with the bot")
            await asyncio.sleep(0.01)
    message = question or latest_bot_message(persona, channel_id)
    assert message is not None
    given = 0
    answered_id = 0  # the question message the person acted on last
    steps_left = 4 * len(questions) + 10  # a person gives up on a conversation that goes round in circles
    while True:
        steps_left -= 1
        if steps_left < 0:
            raise AssertionError(f"{persona.name}'s interview went round in circles; last: {message.content[:200]!r}")
        key = question_key(message, questions)
        log.last = message.content
        if key == "summary":
            if confirm:
                ok = _has(message, "onbok:")
                assert ok is not None, "summary without Confirm: " + message.content
                await persona.click(str(ok["custom_id"]), message=message)
                reply = await wait_for_reply(persona, channel_id, message.id, timeout)
                log.last = reply.content
            return log
        if key is None or key not in by_key:
            earlier = latest_question(persona, channel_id, questions)
            if answered_id and earlier is not None and earlier.id != message.id and earlier.id > answered_id:
                # the bot asked this after the person's last answer, and a notice came after it (e.g. a guess
                # from a post): it is the question on screen (before any answer here, nothing is assumed)
                message = earlier
                continue
            try:  # a notice (e.g. "your DMs are closed…") comes before the question: wait for it
                message = await wait_for_reply(persona, channel_id, message.id, min(timeout, 5.0))
                continue
            except TimeoutError:
                earlier = latest_question(persona, channel_id, questions)  # as a person would: scroll up
                if earlier is None or earlier.id == message.id:
                    raise AssertionError(
                        f"{persona.name} can't tell which question this is: {message.content[:200]!r}") from None
                message = earlier
                continue
        if stop_after is not None and given >= stop_after:
            return log
        log.asked.append(key)
        answered_id = message.id
        if key in wrong:
            text = wrong.pop(key)
            channel = persona.sandbox.state.channels[channel_id]
            await persona.say(text, channel=None if channel.guild_id is None else channel)
            message = await wait_for_reply(persona, channel_id, message.id, timeout)
            if "⚠️" in message.content:
                log.reasks.append(key)
            continue
        if key not in answers:
            raise AssertionError(f"{persona.name} has no answer for {key}")
        answered = await answer_one(persona, message, by_key[key], answers[key], channel_id)
        given += 1
        # the answer to a click is what the person reads next (another message may have arrived meanwhile)
        shown = answered.messages[-1] if answered is not None and answered.messages else None
        message = shown or await wait_for_reply(persona, channel_id, message.id, timeout)
