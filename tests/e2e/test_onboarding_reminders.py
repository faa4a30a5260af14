"""Someone who stops answering gets one reminder after 24 h and one after 72 h, never at night, then no more."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.demo.review import review_transcript
from bot.demo.transcript import write_transcript
from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.queries import people
from tests.support.database import drop_test_schema
from tests.support.pairs import organiser_posts
from tests.support.personas import EDU_MENTEE
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def test_a_silent_person_gets_two_reminders_in_daytime_then_none(world: SandboxWorld) -> None:
    ida = world.person("Ida")
    assert world.guild is not None
    await ida.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    await run_interview(ida, questions, EDU_MENTEE, stop_after=2)
    seen = len(ida.dms())

    async def later(hours: float) -> list[str]:
        nonlocal seen
        world.clock.advance(timedelta(hours=hours))
        await world.bot.tick("onboarding-reminders")
        new = [m.content for m in ida.dms()[seen:]]
        seen = len(ida.dms())
        return new

    assert await later(12) == []  # too early
    first = await later(13)  # 25 h after the last answer: 10:00 London
    assert len(first) == 1 and "Pick up where you left off" in first[0] and "Question 3 of" in first[0]
    assert await later(24) == []
    assert await later(11) == []  # 72 h mark falls at 21:00 London: quiet hours, so it waits
    second = await later(12)  # next morning
    assert len(second) == 1 and "Question 3 of" in second[0]
    assert await later(200) == []  # no third reminder


async def _reminded(world: SandboxWorld) -> Persona:
    """Ida joins, answers two questions and goes quiet; a day later the reminder job runs."""
    assert world.guild is not None
    ida = world.person("Ida")
    await ida.join(world.guild)
    await run_interview(ida, world.bot.services.programmes.all()[0].questions, EDU_MENTEE, stop_after=2)
    world.clock.advance(timedelta(hours=25))
    await world.bot.tick("onboarding-reminders")
    return ida


async def test_a_reminder_in_the_programmes_own_words_is_read_as_a_reminder_in_the_transcript(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    """The reviewer tells a reminder (the question asked again, on purpose) from a question asked twice by the
    note the transcript writes from the programme's reminder text, not by the words "where you left off"."""
    world, schema = await make_world(tmp_path_factory, programme_overrides={"onboarding_reminders": {
        "text": "{name}, {programme} is still keen to hear from you — here's where we stopped:"}})
    try:
        ida = await _reminded(world)
        assert "is still keen to hear from you" in ida.dms()[-1].content
        path = tmp_path / "transcript.md"
        write_transcript(world, path)
        text = path.read_text(encoding="utf-8")
        assert "<!-- reminds: " in text and "where you left off" not in text
        assert review_transcript(text, "edumentoring") == []
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_a_reminder_speaks_in_the_programmes_voice_unless_its_config_words_it(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    voice = {"onboarding_reminder": "{name}, your {programme} running shoes are still by the door — on we go:"}
    for overrides, expected in (({"voice": voice}, "running shoes are still by the door"),
                                ({"voice": voice, "onboarding_reminders": {"text": "{name}: still there?"}},
                                 "Ida: still there?")):
        world, schema = await make_world(tmp_path_factory, programme_overrides=overrides)
        try:
            ida = await _reminded(world)
            assert expected in ida.dms()[-1].content, ida.dms()[-1].content
            assert "where you left off" not in ida.dms()[-1].content
        finally:
            await world.stop()
            await drop_test_schema(schema)


async def test_a_reminder_to_someone_who_left_the_server_opens_no_thread_and_the_organisers_hear_they_are_gone(
        world: SandboxWorld) -> None:
    ida = world.person("Ida")
    assert world.guild is not None
    await ida.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    await run_interview(ida, questions, EDU_MENTEE, stop_after=2)
    ida.dms_open = False  # no DM reaches her (Discord refuses a DM without a server in common, too) …
    await ida.leave()  # … and she leaves the server mid-interview: no private thread can reach her either
    world.clock.advance(timedelta(hours=25))
    await world.bot.tick("onboarding-reminders")
    assert not [c for c in world.discord.state.channels.values() if c.name.startswith("onboarding –")], \
        "an onboarding thread was opened for someone not in the server"
    told = [p for p in organiser_posts(world) if f"<@{ida.id}>" in p]
    assert len(told) == 1 and "not in the server" in told[0], told
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=ida.id)
    assert person is not None and not person.dms_closed, "someone who left was remembered as having closed DMs"
