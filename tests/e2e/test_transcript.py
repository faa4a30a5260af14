"""The demo transcript shows each message as the person saw it: embeds, buttons, menus and their choices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.demo.transcript import write_transcript
from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from tests.support.personas import EDU_MENTOR

pytestmark = pytest.mark.e2e


async def test_the_transcript_renders_embeds_buttons_menus_and_what_was_chosen(
    world: SandboxWorld, tmp_path: Path
) -> None:
    ben = world.person("Ben")
    assert world.guild is not None
    await ben.join(world.guild)
    log = await run_interview(ben, world.bot.services.programmes.all()[0].questions, EDU_MENTOR)
    assert "profile is saved" in log.last
    assert world.organiser is not None
    await world.organiser.slash("programme", "stats", guild=world.guild)  # an ephemeral embed with a chart
    cy = world.person("Cy Closed", dms_open=False)  # the organisers are told, with a mention and a thread link
    await cy.join(world.guild)
    try:
        await world.discord.state.wait_for(lambda: any("has DMs closed" in m.content
                                                       for m in world.discord.state.messages.values()), 5)
    except TimeoutError:
        raise AssertionError([m.content[:80] for m in world.discord.state.messages.values()][-8:]) from None
    path = tmp_path / "transcript.md"
    write_transcript(world, path)
    text = path.read_text(encoding="utf-8")
    assert "(embed/attachment)" not in text
    assert "▌ **Your answers**" in text and "▌ **Role:** Mentor" in text  # the summary embed: title and fields
    assert "Buttons: [Mentor] [Mentee] [Both]" in text
    assert "↳ _Ben clicked [Confirm]_" in text
    assert "↳ _Ben chose " in text  # a select menu, with the labels picked
    assert "reply to /programme stats" in text and "only Olu" in text
    assert "programme stats**" in text and "[image: stats.png]" in text
    # as people saw it: mentions by name, and no "thinking…" placeholder that an answer replaced
    assert "🔒 @Cy Closed has DMs closed; their onboarding continues in #" in text
    assert not re.search(r"<[@#][!&]?\d+>", text), re.findall(r".{30}<[@#][!&]?\d+>", text)[:3]
    assert "(empty message)" not in text and "no answer came" not in text
