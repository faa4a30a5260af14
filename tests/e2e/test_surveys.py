"""Surveys through the sandbox: written when due, sent once by DM in each person's daytime with one reminder,
answered one question at a time (buttons, a menu, a form, the quote question)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot.nudges.quiet import is_quiet
from bot.sandbox.discord.model import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from bot.services.surveys import SurveyDispatcher
from cogs.surveys._send import DiscordSurveyChannels
from storage.db import transaction
from storage.models import NudgeKind
from storage.queries import matching
from storage.queries import nudges as nq
from storage.queries import surveys as qs
from tests.support.organisers import slash
from tests.support.pairs import Pair, add_member, add_pair, make_pair
from tests.support.surveys import run_surveys_after, tap

pytestmark = pytest.mark.e2e


def _surveys_to(persona: Persona) -> list[Message]:
    return [m for m in persona.dms() if m.interaction_id is None]


async def test_the_baseline_goes_once_in_each_persons_daytime_with_one_reminder(sworld: SandboxWorld) -> None:
    pair = await make_pair(sworld, "S", mentor_zone="Europe/London", mentee_zone="Pacific/Auckland")
    programme = sworld.bot.services.programmes.all()[0]
    await run_surveys_after(sworld, minutes=1)  # 10:01 in London, 22:01 in Auckland
    assert len(_surveys_to(pair.mentor.persona)) == 1 and _surveys_to(pair.mentee.persona) == []
    first = _surveys_to(pair.mentor.persona)[0]
    assert "three quick questions" in first.content and "Mentee S" in first.content
    for _ in range(8 * 5):  # five days, every three hours
        await run_surveys_after(sworld, hours=3)
    mentor, mentee = _surveys_to(pair.mentor.persona), _surveys_to(pair.mentee.persona)
    assert len(mentor) == 2 and len(mentee) == 2  # the survey and its one reminder, each
    assert "no pressure" in mentor[1].content and "no pressure" in mentee[1].content
    for _ in range(10):
        await run_surveys_after(sworld, days=1)
    assert len(_surveys_to(pair.mentor.persona)) == 2 and len(_surveys_to(pair.mentee.persona)) == 2
    dm = pair.mentee.persona.dm_channel
    assert dm is not None
    sent = [r for r in sworld.discord.log.requests("POST", "/messages") if r.status == 200 and str(dm.id) in r.path]
    assert len(sent) == 2
    assert all(not is_quiet(r.t, "Pacific/Auckland", programme.config.quiet_hours) for r in sent)


async def test_answering_steps_through_the_questions_and_stops_the_reminder(sworld: SandboxWorld) -> None:
    pair = await make_pair(sworld, "A")
    await run_surveys_after(sworld, minutes=1)
    persona = pair.mentor.persona
    survey = _surveys_to(persona)[0]
    shown = await tap(persona, "4", survey)
    assert "2/3" in shown.content and "reflect" in shown.content
    assert "3/3" in (await tap(persona, "2", shown)).content
    await (await persona.choose("A bigger network", message=sworld.discord.state.messages[survey.id])).wait_answer()
    assert "Thanks so much" in sworld.discord.state.messages[survey.id].content
    assert sworld.discord.state.messages[survey.id].components == []
    async with sworld.bot.sessions() as s:
        rows = await qs.answers_of_person(session=s, person_id=pair.mentor.person_id)
    assert [(a.question_key, a.value_int, a.value_text, a.role, a.point) for a in rows] == [
        ("confidence", 4, None, "mentor", "start"), ("reflection", 2, None, "mentor", "start"),
        ("hopes", None, "network", "mentor", "start")]
    for _ in range(6):
        await run_surveys_after(sworld, days=1)
    assert len(_surveys_to(persona)) == 1  # answered: no reminder
    assert len(_surveys_to(pair.mentee.persona)) == 2  # not answered: one reminder


async def test_a_click_by_someone_else_or_a_second_answer_changes_nothing(sworld: SandboxWorld) -> None:
    pair = await make_pair(sworld, "B")
    await run_surveys_after(sworld, minutes=1)
    survey = _surveys_to(pair.mentor.persona)[0]
    await tap(pair.mentor.persona, "5", survey)
    surveys, invite = sworld.bot.services.surveys, _invite_of(survey)
    # the first question's button pressed again (an old copy of the message): the first answer stands
    again = await surveys.answer(invite, pair.mentor.persona.id, "confidence", "1")
    assert again.status == "unchanged" and again.step is not None and again.step.question.key == "reflection"
    # the partner cannot answer someone else's survey, nor anyone an answer the question does not have
    assert "someone else" in (await surveys.answer(invite, pair.mentee.persona.id, "reflection", "1")).text
    assert (await surveys.answer(invite, pair.mentor.persona.id, "reflection", "9")).status == "rejected"
    async with sworld.bot.sessions() as s:
        rows = await qs.answers_of_person(session=s, person_id=pair.mentor.person_id)
    assert [(a.question_key, a.value_int) for a in rows] == [("confidence", 5)]
    assert "2/3" in sworld.discord.state.messages[survey.id].content


async def test_the_end_survey_asks_may_we_quote_after_a_written_answer(sworld: SandboxWorld) -> None:
    pair = await make_pair(sworld, "E", started_at=sworld.clock.now() - timedelta(days=120))
    await _end(sworld, pair)
    await run_surveys_after(sworld, minutes=11)
    persona = pair.mentee.persona
    survey = next(m for m in _surveys_to(persona) if "wrapped up" in m.content)
    for _ in range(5):
        await tap(persona, "5", survey)
    await persona.click("Write an answer", message=sworld.discord.state.messages[survey.id])
    # the form's field is labelled in #EduMentoring's words
    await (await persona.submit_modal({"In your own words — no wrong answers": "I found my voice in staff meetings."})
           ).wait_answer()
    assert "quote you" in sworld.discord.state.messages[survey.id].content
    assert "Thank you" in (await tap(persona, "Yes, happy to be quoted", survey)).content
    async with sworld.bot.sessions() as s:
        rows = await qs.answers_of_person(session=s, person_id=pair.mentee.person_id)
    high = await sworld.bot.services.surveys.gave_high_ratings(
        sworld.bot.services.programmes.all()[0], pair.match_id, pair.mentee.person_id)
    low = await sworld.bot.services.surveys.gave_high_ratings(
        sworld.bot.services.programmes.all()[0], pair.match_id, pair.mentor.person_id)
    story = [a for a in rows if a.question_key == "story"]
    assert story[0].value_text == "I found my voice in staff meetings." and story[0].quote_ok is True
    assert high and not low  # the mentor has not answered


async def test_two_dispatchers_send_each_survey_once(sworld: SandboxWorld) -> None:
    pairs = [await make_pair(sworld, f"T{i}") for i in range(3)]
    bot = sworld.bot
    other = SurveyDispatcher(bot.services.surveys, bot.services.programmes, bot.clock, DiscordSurveyChannels(bot))
    sworld.clock.advance(timedelta(minutes=1))
    cog = bot.get_cog("Surveys")
    assert cog is not None
    programme = bot.services.programmes.all()[0]
    assert await bot.services.surveys.plan(programme) == 6  # each survey is written once, however often planned
    assert await bot.services.surveys.plan(programme) == 0
    await asyncio.gather(other.run(), cog.dispatcher.run(), other.run())  # type: ignore[attr-defined]
    for pair in pairs:
        assert len(_surveys_to(pair.mentor.persona)) == 1 and len(_surveys_to(pair.mentee.persona)) == 1
    async with bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pairs[0].match_id)
    assert [r.kind for r in rows if r.person_id == pairs[0].mentor.person_id] == [NudgeKind.SURVEY,
                                                                                  NudgeKind.SURVEY_REMINDER]


def _invite_of(message: Message) -> int:
    for row in message.components:
        for comp in row.get("components", []):
            cid = str(comp.get("custom_id", ""))
            if cid.startswith("survey:"):  # survey:<invite>:<question>:<value>
                return int(cid.split(":")[1])
    raise LookupError("no survey button")


async def _end(world: SandboxWorld, pair: Pair) -> None:
    async with transaction(world.bot.sessions) as s:
        await matching.end_match(session=s, match_id=pair.match_id, reason="completed", now=world.clock.now())


async def test_survey_answers_are_in_mydata_and_leave_erases_them(sworld: SandboxWorld) -> None:
    world = sworld
    assert world.guild is not None
    pair = await make_pair(world, "L")
    await run_surveys_after(world, minutes=1)
    for member in pair.members:
        survey = _surveys_to(member.persona)[0]
        await tap(member.persona, "3", survey)
        await tap(member.persona, "4", survey)
    mydata = await slash(pair.mentee.persona, world.guild, "mydata")
    assert "sent your data to your DMs" in mydata.content
    exported = json.loads(pair.mentee.persona.dms()[-1].attachments[0].data)
    assert [(a["survey"], a["question"], a["answer"]) for a in exported["survey_answers"]] == [
        ("baseline", "confidence", 3), ("baseline", "reflection", 4)]
    asked = await slash(pair.mentee.persona, world.guild, "leave")
    await (await pair.mentee.persona.click("Yes, delete my data", message=asked.messages[0])).wait_answer()
    async with world.bot.sessions() as s:
        gone = await qs.answers_of_person(session=s, person_id=pair.mentee.person_id)
        kept = await qs.answers_of_person(session=s, person_id=pair.mentor.person_id)
    assert gone == [] and [a.value_int for a in kept] == [3, 4]  # the partner's own answers stay


async def test_after_leave_a_partners_answer_that_names_them_is_kept_without_their_name(sworld: SandboxWorld) -> None:
    """The mentee's written answer quotes their mentor by name; the mentor leaves: the answer stays the mentee's
    (and may still be quoted in reports), with the mentor's name taken out; the mentor's own answers go, and
    the outcomes report quotes neither their words nor their name."""
    world = sworld
    assert world.guild is not None
    mentor = await add_member(world, "Zanele Quokkason", "Europe/London")
    mentee = await add_member(world, "Ama Mensah", "Europe/London")
    pair = await add_pair(world, mentor, mentee, started_at=world.clock.now() - timedelta(days=120))
    await _end(world, pair)
    await run_surveys_after(world, minutes=11)
    for member, words in ((pair.mentee, "Zanele helped me find my voice; zanele quokkason is a star"),
                          (pair.mentor, "Quokkawords: I learnt to listen")):
        survey = next(m for m in _surveys_to(member.persona) if "wrapped up" in m.content)
        for _ in range(5):
            await tap(member.persona, "5", survey)
        await member.persona.click("Write an answer", message=world.discord.state.messages[survey.id])
        await (await member.persona.submit_modal({"answer": words})).wait_answer()
        await tap(member.persona, "Yes, happy to be quoted", survey)

    asked = await slash(mentor.persona, world.guild, "leave")
    await (await mentor.persona.click("Yes, delete my data", message=asked.messages[0])).wait_answer()
    async with world.bot.sessions() as s:
        kept = [a.value_text for a in await qs.answers_of_person(session=s, person_id=pair.mentee.person_id)
                if a.question_key == "story"]
        gone = await qs.answers_of_person(session=s, person_id=pair.mentor.person_id)
    assert gone == []
    assert kept == ["(a member who left) helped me find my voice; (a member who left) is a star"]
    report = await world.bot.services.outcomes.produce(world.bot.services.programmes.all()[0])
    text = report.markdown + report.csv
    assert "Zanele" not in text and "zanele" not in text and "Quokkawords" not in text
