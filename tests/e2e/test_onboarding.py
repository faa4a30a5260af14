"""Onboarding end to end: the real bot interviews simulated people through the local Discord."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.interview import conversation_channel, latest_bot_message, run_interview
from bot.sandbox.world import SandboxWorld
from storage.db import SessionFactory
from storage.queries import onboarding, people
from tests.support.database import drop_test_schema
from tests.support.personas import (
    EDU_MENTEE,
    EDU_MENTOR,
    LIBRARIES_MENTEE,
    RUNTOGETHER_MENTOR,
    expected_answers,
)
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def stored_profile(world: SandboxWorld, user_id: int) -> tuple[str, dict[str, Any] | None]:
    programme = world.bot.services.programmes.all()[0]
    sessions: SessionFactory = world.bot.sessions
    async with sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=user_id)
        assert person is not None
        profile = await people.get_profile(session=s, person_id=person.id or 0, programme_id=programme.id)
        return person.status, (profile.answers if profile else None)


@pytest.mark.parametrize(
    ("preset", "answers"),
    [("edumentoring", EDU_MENTOR), ("libraries", LIBRARIES_MENTEE), ("runtogether", RUNTOGETHER_MENTOR)],
)
async def test_each_preset_interview_stores_exactly_what_was_answered(
    tmp_path_factory: pytest.TempPathFactory, preset: str, answers: dict[str, Any]
) -> None:
    world, schema = await make_world(tmp_path_factory, preset=preset)
    try:
        person = world.person("Amara Ọkọ")
        assert world.guild is not None
        await person.join(world.guild)
        log = await run_interview(person, world.bot.services.programmes.all()[0].questions, answers)
        assert "profile is saved" in log.last
        status, stored = await stored_profile(world, person.id)
        assert status == "active"
        assert stored == expected_answers(answers)
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_wrong_answers_are_reasked_every_time_and_end_in_a_valid_profile(world: SandboxWorld) -> None:
    ben = world.person("Ben")
    assert world.guild is not None
    await ben.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    wrong = {"role": "a wizard", "phase": "the moon", "subjects": "everything", "stage": "boss",
             "timezone": "Atlantis", "availability": "never", "goals": "world peace", "capacity": "99",
             "organisation": "x" * 900, "consent": "perhaps"}
    log = await run_interview(ben, questions, EDU_MENTOR, wrong_answers=wrong)
    assert sorted(log.reasks) == sorted(wrong)
    assert "profile is saved" in log.last
    status, stored = await stored_profile(world, ben.id)
    assert status == "active" and stored == expected_answers(EDU_MENTOR)


async def test_restart_after_question_four_continues_without_repeating(world: SandboxWorld) -> None:
    cara = world.person("Cara")
    assert world.guild is not None
    await cara.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    first = await run_interview(cara, questions, EDU_MENTEE, stop_after=4)
    assert first.asked == ["role", "phase", "subjects", "stage"]
    await world.restart()  # the process dies; a new one starts on the same database
    rest = await run_interview(cara, world.bot.services.programmes.all()[0].questions, EDU_MENTEE)
    assert rest.asked[0] == "timezone"
    assert not set(rest.asked) & {"role", "phase", "subjects", "stage"}
    status, stored = await stored_profile(world, cara.id)
    assert status == "active" and stored == expected_answers(EDU_MENTEE)


async def test_closed_dms_fall_back_to_a_private_thread_a_third_member_cannot_see(world: SandboxWorld) -> None:
    dee = world.person("Dee", dms_open=False)
    eve = world.person("Eve")
    assert world.guild is not None and world.organiser is not None
    await eve.join(world.guild)
    await dee.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    log = await run_interview(dee, questions, EDU_MENTEE)
    assert "profile is saved" in log.last
    thread_id = conversation_channel(dee)
    assert thread_id is not None
    thread = world.discord.state.channels[thread_id]
    assert thread.type == 12  # a private thread, not a DM
    assert dee.can_see(thread_id) and not eve.can_see(thread_id)
    assert any(r.status == 403 for r in world.discord.log.rest if "/messages" in r.path)
    notice = latest_bot_message(world.organiser, world.organisers_channel.id)  # type: ignore[union-attr]
    assert notice is not None and "DMs closed" in notice.content
    status, _ = await stored_profile(world, dee.id)
    assert status == "active"


async def test_join_twice_keeps_one_conversation_and_resends_the_current_question(world: SandboxWorld) -> None:
    fay = world.person("Fay")
    assert world.guild is not None
    await fay.join(world.guild)
    questions = world.bot.services.programmes.all()[0].questions
    await run_interview(fay, questions, EDU_MENTEE, stop_after=2)
    result = await fay.slash("join", guild=world.guild)
    assert "next question" in result.content
    channel = conversation_channel(fay)
    assert channel is not None
    latest = latest_bot_message(fay, channel)
    assert latest is not None and "Question 3 of" in latest.content
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=fay.id)
        assert person is not None
        conv = await onboarding.get_session(session=s, person_id=person.id or 0, programme_id=programme.id)
        assert conv is not None and conv.state["current"] == "subjects"


async def test_a_message_outside_any_interview_gets_a_short_help_reply(world: SandboxWorld) -> None:
    gus = world.person("Gus")
    await gus.say("hello?")
    reply = await gus.next_dm(include_responses=True)
    assert "/join" in reply.content


async def test_mass_mentions_in_answers_never_ping_anyone(world: SandboxWorld) -> None:
    hal = world.person("Hal")
    assert world.guild is not None
    await hal.join(world.guild)
    answers = dict(EDU_MENTEE, organisation="@everyone <@&1> **bold** school")
    questions = world.bot.services.programmes.all()[0].questions
    await run_interview(hal, questions, answers, confirm=False)
    sends = [r for r in world.discord.log.rest if r.method == "POST" and r.path.endswith("/messages")
             or "/callback" in r.path or r.method == "PATCH" and r.path.startswith("/webhooks/")]
    echoed = [r for r in sends if "everyone" in str(r.json)]
    assert echoed, "the summary echoes the answer"
    for r in echoed:
        body = r.json if isinstance(r.json, dict) else {}
        data = body.get("data", body)
        assert data.get("allowed_mentions", {}).get("parse") == [], data


async def test_a_flood_of_messages_gets_one_polite_slow_down_and_no_crash(world: SandboxWorld) -> None:
    ivy = world.person("Ivy")
    assert world.guild is not None
    await ivy.join(world.guild)
    await ivy.next_dm()
    for i in range(30):
        await ivy.say(f"spam {i} @everyone")
    import asyncio

    def slow_downs() -> int:
        return sum("very quickly" in m.content for m in ivy.dms())

    await world.discord.state.wait_for(slow_downs, timeout=15)  # a loaded machine handles the flood later
    await asyncio.sleep(1.0)  # the rest of the flood, handled meanwhile, adds no second one
    texts = [m.content for m in ivy.dms()]
    assert slow_downs() == 1
    assert not any("@everyone" in t and "\\@" not in t and "@\u200b" not in t for t in texts if "spam" in t)


async def test_a_flood_of_dms_after_onboarding_gets_one_help_message_not_one_each(world: SandboxWorld) -> None:
    import asyncio

    from bot.sandbox.interview import run_interview
    from tests.support.organisers import MENTEE_INTERVIEW

    assert world.guild is not None
    kim = world.person("Kim")
    await kim.join(world.guild)
    await run_interview(kim, world.bot.services.programmes.all()[0].questions, MENTEE_INTERVIEW)
    before = len(kim.dms())
    for i in range(30):
        await kim.say(f"hello again {i}")
    await asyncio.sleep(1.0)
    assert len(kim.dms()) - before <= 1
