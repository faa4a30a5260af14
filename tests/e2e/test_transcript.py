"""The demo transcript shows each message as the person saw it: embeds, buttons, menus and their choices."""

from __future__ import annotations

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
    path = tmp_path / "transcript.md"
    write_transcript(world, path)
    text = path.read_text(encoding="utf-8")
    assert "(embed/attachment)" not in text
    assert "▌ **Your answers**" in text and "▌ **Role**" in text  # the summary embed: title and fields
    assert "Buttons: [Mentor] [Mentee] [Both]" in text
    assert "↳ _Ben clicked [Confirm]_" in text
    assert "↳ _Ben chose " in text  # a select menu, with the labels picked
    assert "reply to /programme stats" in text and "only Olu" in text
    assert "programme stats**" in text and "[image: stats.png]" in text
