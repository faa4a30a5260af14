"""Each programme speaks in its own voice, from its voice preset rather than fixed strings in the code: the words
around survey questions (hints, menu, buttons, the answer to a click on a closed survey), the interview's (its
count, the consent buttons, the help outside it), the answers to a check-in click that cannot count, and what
people are told when their match ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, update

from bot.sandbox.discord.model import Message
from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Nudge, NudgeStatus
from tests.support.database import drop_test_schema
from tests.support.pairs import make_pair
from tests.support.personas import LIBRARIES_MENTEE, RUNTOGETHER_MENTOR
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def rworld(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """RunTogether's programme (its preset surveys), with the surveys cog."""
    w, schema = await make_world(tmp_path_factory, preset="runtogether", extensions=["cogs.surveys", "cogs.matching",
                                                                                "cogs.nudges"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


def _survey_of(persona: Persona) -> Message:
    return next(m for m in persona.dms() if m.interaction_id is None)


def _invite_of(message: Message) -> int:
    cid = next(str(c["custom_id"]) for row in message.components for c in row["components"]
               if str(c.get("custom_id", "")).startswith("survey:"))
    return int(cid.split(":")[1])


async def test_a_runtogether_survey_uses_runtogethers_words_around_its_questions(rworld: SandboxWorld) -> None:
    pair = await make_pair(rworld, "V")
    rworld.clock.advance(timedelta(minutes=1))
    await rworld.bot.tick("survey-dispatch")
    persona = pair.mentor.persona
    survey = _survey_of(persona)
    for _ in range(2):  # two scales, then the choice
        await (await persona.click("4", message=rworld.discord.state.messages[survey.id])).wait_answer()
    shown = rworld.discord.state.messages[survey.id]
    menu = next(c for row in shown.components for c in row["components"] if c["type"] == 3)
    assert menu["placeholder"] == "Pick an answer"  # RunTogether's, not a fixed "Choose an answer"
    # the survey is closed (e.g. cancelled by the organisers): a click is answered in RunTogether's voice
    mentee_survey = _survey_of(pair.mentee.persona)
    async with transaction(rworld.bot.sessions) as s:
        await s.exec(update(Nudge).where(col(Nudge.id) == _invite_of(mentee_survey))
                     .values(status=NudgeStatus.CANCELLED))
    answer = await pair.mentee.persona.click("4", message=mentee_survey)
    await answer.wait_followups(1)
    assert "happy running" in answer.content and "closed now" not in answer.content


async def test_a_runtogether_match_ended_by_the_organisers_is_told_in_runtogethers_words(
        rworld: SandboxWorld) -> None:
    pair = await make_pair(rworld, "E")
    programme = rworld.bot.services.programmes.all()[0]
    await rworld.bot.services.ending.end_match(programme, pair.match_id, "organiser", None)
    told = await rworld.discord.state.wait_for(
        lambda: next((m.content for m in pair.mentor.persona.dms() if "ended your pairing" in m.content), None), 5)
    assert "free for a new run leader to mentor" in told and "new mentee" not in told


async def test_a_second_click_on_a_runtogether_checkin_is_answered_in_runtogethers_words(
        rworld: SandboxWorld) -> None:
    pair = await make_pair(rworld, "C")
    await rworld.bot.services.nudges.plan_match(pair.match_id)
    rworld.clock.advance(timedelta(days=3.01))
    await rworld.bot.tick("nudge-dispatch")
    checkin = next(m for m in pair.mentee.persona.dms() if m.interaction_id is None and m.components)
    await pair.mentee.persona.click("We've met", message=checkin)
    again = await pair.mentee.persona.click("We've met", message=checkin)
    assert "all noted, nothing more to do" in again.content, again.content


async def test_the_libraries_interview_asks_and_sums_up_in_its_own_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, preset="libraries")
    try:
        assert world.guild is not None
        ada = world.person("Ada")
        await ada.join(world.guild)
        programme = world.bot.services.programmes.all()[0]
        log = await run_interview(ada, programme.questions, LIBRARIES_MENTEE, confirm=False, timeout=20)
        assert "Please press **Confirm** if it is correct" in log.last, log.last
        typed = [m.content for m in ada.dms() if "Please type your answer here." in m.content]
        assert typed and not any("_ Type your answer here." in m.content for m in ada.dms())
    finally:
        await world.stop()
        await drop_test_schema(schema)


def _labels(message: Message) -> list[str]:
    return [str(c.get("label")) for row in message.components for c in row["components"] if c.get("label")]


async def test_the_runtogether_interview_counts_asks_consent_and_helps_in_runtogethers_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, preset="runtogether")
    try:
        assert world.guild is not None
        rae = world.person("Rae")
        await rae.join(world.guild)
        programme = world.bot.services.programmes.all()[0]
        log = await run_interview(rae, programme.questions, RUNTOGETHER_MENTOR, timeout=20)
        assert "profile is saved" in log.last, log.last
        consent = next(m for m in rae.dms() if any(":consent:yes" in str(c.get("custom_id"))
                                                   for row in m.components for c in row["components"]))
        assert _labels(consent) == ["Yes, I agree 👍", "No thanks"], _labels(consent)
        assert "**Question 1 of" in rae.dms()[0].content
        # outside any interview, a DM is answered with the help, in RunTogether's words
        await rae.say("hello?")
        helped = await world.discord.state.wait_for(
            lambda: next((m.content for m in rae.dms() if "`/join`" in m.content), None), 5)
        assert "I'm the RunTogether mentoring bot" in helped and "take a breather" in helped, helped
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_an_end_request_confirmed_by_the_one_who_asked_is_refused_in_runtogethers_words(
        rworld: SandboxWorld) -> None:
    pair = await make_pair(rworld, "Q")
    await rworld.bot.services.nudges.plan_match(pair.match_id)
    rworld.clock.advance(timedelta(days=3.01))
    await rworld.bot.tick("nudge-dispatch")
    checkin = next(m for m in pair.mentee.persona.dms() if m.interaction_id is None and m.components)
    await (await pair.mentee.persona.click("End this match", message=checkin)).wait_answer()
    prompt = await rworld.discord.state.wait_for(
        lambda: next((m for m in pair.mentor.persona.dms() if "Yes, end our match" in _labels(m)), None), 5)
    # the mentee (who asked) presses their partner's "Yes, end our match": only the partner may answer
    refused = await pair.mentee.persona.click("Yes, end our match", message=prompt)
    await refused.wait_answer()
    assert "This one's for your partner to answer" in refused.content, refused.content


async def test_a_click_on_an_interview_left_behind_is_answered_in_the_libraries_words(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, preset="libraries")
    try:
        assert world.guild is not None
        ada = world.person("Ada")
        await ada.join(world.guild)
        first = await ada.next_dm()
        assert "**Question 1 of" in first.content and first.components
        asked = await ada.slash("leave", guild=world.guild)
        await (await ada.click("Yes, please delete my data", message=asked.messages[0])).wait_answer()
        label = next(str(c["label"]) for row in first.components for c in row["components"] if c.get("label"))
        old = await ada.click(label, message=first)
        await old.wait_followups(1)
        assert "There is no interview open for you in the Libraries Connected scheme" in old.content, old.content
    finally:
        await world.stop()
        await drop_test_schema(schema)
