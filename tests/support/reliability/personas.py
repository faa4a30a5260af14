"""People who behave as people do when a bot process dies under them: when the bot does not answer,
they wait a little and ask again with ``/join`` (the bot re-sends the question it is on); a button that
"failed" is pressed again."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Mapping
from typing import Any

from bot.onboarding.questions import Question
from bot.sandbox.discord import Guild, Message
from bot.sandbox.discord.actors import walk_components
from bot.sandbox.interview import answer_one, conversation_channel, latest_bot_message, question_key
from bot.sandbox.people import InteractionResult, Persona

log = logging.getLogger(__name__)
FINISHED = ("profile is saved", "already finished onboarding")
FLAKY = (AssertionError, TimeoutError, LookupError, ValueError, KeyError)


async def retry_slash(persona: Persona, *path: str, guild: Guild, attempts: int = 30, pause: float = 1.0,
                      options: Mapping[str, Any] | None = None, timeout: float = 20.0) -> InteractionResult:  # noqa: ASYNC109
    """Run a slash command until the bot answers it (a dead process answers nothing)."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            result = await persona.slash(path[0], *path[1:], guild=guild, options=options, timeout=timeout)
            if result.content:
                return result
        except FLAKY as exc:
            last = exc
        await asyncio.sleep(pause)
    raise AssertionError(f"{persona.name}: /{' '.join(path)} never answered ({last})")


async def resilient_interview(persona: Persona, questions: list[Question], answers: Mapping[str, Any],
                              guild: Guild, *, deadline: float = 120.0, patience: float = 2.5) -> bool:
    """Answer the interview to the end, asking again (``/join``) whenever the bot falls silent."""
    by_key = {q.key: q for q in questions}
    acted_on = 0
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        channel_id = conversation_channel(persona)
        msg = latest_bot_message(persona, channel_id) if channel_id is not None else None
        if msg is None or msg.id <= acted_on:
            if not await _wait_new(persona, acted_on, patience):
                try:
                    await persona.slash("join", guild=guild, timeout=5)
                except FLAKY:
                    await asyncio.sleep(0.3)
            continue
        if any(f in msg.content for f in FINISHED):
            return True
        acted_on = msg.id
        key = question_key(msg, questions)
        try:
            if key == "summary":
                ok = next(c for c in walk_components(msg.components) if str(c.get("custom_id", "")).startswith("onbok:"))
                await persona.click(str(ok["custom_id"]), message=msg)
            elif key in by_key:
                await answer_one(persona, msg, by_key[key], answers[key], channel_id or 0)
        except (*FLAKY, StopIteration):
            pass  # the bot will be silent: /join after ``patience``
    return False


async def _wait_new(persona: Persona, after: int, patience: float) -> bool:
    def newer() -> Message | None:
        channel_id = conversation_channel(persona)
        msg = latest_bot_message(persona, channel_id) if channel_id is not None else None
        return msg if msg is not None and msg.id > after else None

    try:
        await persona.sandbox.state.wait_for(newer, patience)
        return True
    except TimeoutError:
        return False


async def match_round(organiser: Persona, guild: Guild, *, attempts: int = 20) -> str:
    """``/match preview`` then ``/match confirm``, again until the confirm is answered."""
    for _ in range(attempts):
        try:
            await retry_slash(organiser, "match", "preview", guild=guild, timeout=60)
            result = await organiser.slash("match", "confirm", guild=guild, timeout=60)
        except FLAKY:
            await asyncio.sleep(1.0)
            continue
        if "confirmed" in result.content:
            return result.content
        await asyncio.sleep(0.5)
    raise AssertionError("/match confirm never went through")


NUDGE_ID = re.compile(r"^nudge:([a-z_]+):(\d+)$")


class NudgeAnswerer:
    """Members answer the check-ins they get (most say "we've met"); a failed click is simply left."""

    def __init__(self, personas: dict[int, Persona], rng: random.Random) -> None:
        self.personas = personas
        self.rng = rng
        self.cursor = 0
        self.clicks = 0

    async def answer_new(self, concurrency: int = 16) -> int:
        state = next(iter(self.personas.values())).sandbox.state
        bot_id = state.bot_user.id
        todo: list[tuple[Persona, Message, str]] = []
        newest = self.cursor
        for mid in reversed(list(state.messages)):
            if mid <= self.cursor:
                break
            newest = max(newest, mid)
            msg = state.messages[mid]
            if msg.author_id != bot_id or msg.deleted:
                continue
            channel = state.channels[msg.channel_id]
            if channel.guild_id is not None:
                continue
            ids = [str(c.get("custom_id", "")) for c in walk_components(msg.components)]
            met = next((i for i in ids if i.startswith("nudge:met:")), None)
            who = next((self.personas[u] for u in channel.recipients if u in self.personas), None)
            if met and who is not None and self.rng.random() < 0.8:
                todo.append((who, msg, met))
        self.cursor = newest
        sem = asyncio.Semaphore(concurrency)

        async def one(p: Persona, m: Message, cid: str) -> None:
            async with sem:
                try:
                    await p.click(cid, message=m, timeout=5)
                    self.clicks += 1
                except FLAKY:
                    pass

        await asyncio.gather(*(one(*t) for t in todo))
        return len(todo)
