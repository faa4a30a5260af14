"""Test set-up for surveys: a world whose bot runs the surveys cog, the dispatch run after some sandbox time,
and a click that waits for the survey message's next step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.discord.model import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from tests.support.database import drop_test_schema
from tests.support.world import make_world


@pytest.fixture(name="sworld")
async def sworld_fixture(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """A sandbox world whose bot runs the surveys and profiles cogs (#EduMentoring's preset surveys; joins start
    no onboarding interview)."""
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.surveys", "cogs.profiles"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def run_surveys_after(world: SandboxWorld, **delta: float) -> None:
    world.clock.advance(timedelta(**delta))
    await world.bot.tick("survey-dispatch")


async def tap(persona: Persona, label: str, message: Message) -> Message:
    """Click and wait until the survey message shows the next step; the message as it is now."""
    await (await persona.click(label, message=message)).wait_answer()
    return persona.sandbox.state.messages[message.id]
