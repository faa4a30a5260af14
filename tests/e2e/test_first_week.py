"""The loose ends a first week with real people would find: counts that agree, no error before an answer,
no question asked twice, organiser texts with correct plurals."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import timedelta

import pytest

from bot.sandbox.interview import conversation_channel, latest_question, run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from tests.support.cohort import onboard_cohort
from tests.support.database import drop_test_schema
from tests.support.personas import EDU_MENTEE, LIBRARIES_MENTEE, RUNTOGETHER_MENTOR
from tests.support.world import make_world

pytestmark = pytest.mark.e2e

QUESTION = re.compile(r"\*\*Question (\d+) of (\d+)\*\* — (.+)")
PROMISE = re.compile(r"I'll ask you (up to )?(\d+) short question")
CODE = re.compile(r"\bEDU-[2-9A-Z]{4}\b")
NOT_RECOGNISED = "couldn't recognise"


async def joined(world: SandboxWorld, name: str) -> Persona:
    persona = world.person(name)
    assert world.guild is not None
    await persona.join(world.guild)
    return persona


def asked(persona: Persona) -> list[tuple[int, int, str]]:
    return [(int(m.group(1)), int(m.group(2)), m.group(3)) for d in persona.dms()
            if (m := QUESTION.search(d.content))]


async def test_the_welcome_promises_the_number_of_questions_the_interview_then_counts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    world, schema = await make_world(tmp_path_factory, preset="runtogether")
    try:
        ria = await joined(world, "Ria")
        log = await run_interview(ria, world.bot.services.programmes.all()[0].questions, RUNTOGETHER_MENTOR)
        assert "profile is saved" in log.last
        promise = PROMISE.search(ria.dms()[0].content)
        assert promise is not None
        promised = int(promise.group(2))
        totals = [total for _, total, _ in asked(ria)]
        assert totals[0] == promised  # "I'll ask you N" then "Question 1 of N"
        assert max(totals) <= promised  # never "Question 2 of N+1"
        numbers = [n for n, _, _ in asked(ria)]
        assert numbers == list(range(1, len(numbers) + 1)) and numbers[-1] == totals[-1]
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_the_time_zone_question_and_its_reminder_open_without_an_error(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    world, schema = await make_world(tmp_path_factory, preset="libraries")
    try:
        lia = await joined(world, "Lia")
        questions = world.bot.services.programmes.all()[0].questions
        await run_interview(lia, questions, LIBRARIES_MENTEE, stop_after=5)  # the next one is the time zone
        question = lia.dms()[-1].content
        assert "Which time zone" in question
        assert NOT_RECOGNISED not in question and "⚠️" not in question
        world.clock.advance(timedelta(hours=25))
        seen = len(lia.dms())
        for _ in range(3):  # the reminder waits for daytime where Lia lives
            await world.bot.tick("onboarding-reminders")
            if len(lia.dms()) > seen:
                break
            world.clock.advance(timedelta(hours=12))
        reminder = lia.dms()[-1].content
        assert "Which time zone" in reminder and NOT_RECOGNISED not in reminder
        log = await run_interview(lia, questions, LIBRARIES_MENTEE, wrong_answers={"timezone": "the moon"})
        assert log.reasks == ["timezone"]  # a wrong answer still gets its explanation
        assert any(NOT_RECOGNISED in m.content for m in lia.dms())
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def link_by_posting_the_code(world: SandboxWorld, persona: Persona, handle: str) -> None:
    """/link @handle gives a private code; posting it from that account links it (and pre-fills)."""
    answer = await persona.slash("link", options={"handle": f"@{handle}"})
    code = CODE.search(answer.content)
    assert code is not None, answer.content
    world.x.add_post(f"It's me #EduMentoring {code.group(0)}", handle, persona.name)
    await world.bot.tick("poll-x-edu")
    for _ in range(50):
        if any("linked it to you" in m.content for m in persona.dms()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not linked")


async def test_linking_a_post_mid_interview_asks_no_question_twice(world: SandboxWorld) -> None:
    world.x.add_post("Looking for a mentor! Primary teacher @MentorBot #EduMentoring", "kai_teach", "Kai")
    await world.bot.tick("poll-x-edu")
    kai = await joined(world, "Kai")
    questions = world.bot.services.programmes.all()[0].questions
    await run_interview(kai, questions, EDU_MENTEE, stop_after=2)
    on_screen = latest_question(kai, conversation_channel(kai) or 0, questions)
    await link_by_posting_the_code(world, kai, "kai_teach")  # the bot says so: a notice after the question
    log = await run_interview(kai, questions, EDU_MENTEE, question=on_screen)
    assert "profile is saved" in log.last
    prompts = Counter(prompt for _, _, prompt in asked(kai))
    assert [p for p, n in prompts.items() if n > 1] == []


async def test_linking_before_the_first_answer_offers_the_guess_without_asking_again(world: SandboxWorld) -> None:
    world.x.add_post("Looking for a mentor! Primary teacher @MentorBot #EduMentoring", "mo_teach", "Mo")
    await world.bot.tick("poll-x-edu")
    mo = await joined(world, "Mo")
    await mo.next_dm()  # the first question
    await link_by_posting_the_code(world, mo, "mo_teach")
    guess = await mo.next_dm()
    while "linked it to you" in guess.content:
        guess = await mo.next_dm()
    assert "From your post I guessed: **Mentee**" in guess.content and "Question" not in guess.content
    log = await run_interview(mo, world.bot.services.programmes.all()[0].questions, EDU_MENTEE)
    assert "profile is saved" in log.last
    prompts = Counter(prompt for _, _, prompt in asked(mo))
    assert [p for p, n in prompts.items() if n > 1] == []


async def test_confirming_one_pair_says_one_pair_and_an_empty_preview_creates_nothing(world: SandboxWorld) -> None:
    await onboard_cohort(world, n_mentors=0, n_mentees=2)
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    await olu.slash("match", "preview", guild=guild)
    empty = await olu.slash("match", "confirm", guild=guild)
    assert "0 pairs" not in empty.content and "private spaces" not in empty.content
    assert "no pairs" in empty.content
    await onboard_cohort(world, n_mentors=1, n_mentees=0, seed=3)
    await olu.slash("match", "preview", guild=guild)
    one = await olu.slash("match", "confirm", guild=guild)
    assert "✅ 1 pair confirmed" in one.content and "their private space and introduction" in one.content
