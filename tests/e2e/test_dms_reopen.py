"""Closed DMs are not remembered forever: once a week has passed since a person's DMs were found closed, their
next scheduled message tries the DM first. When it gets through, their messages come by DM again and the
organisers are told once; when it is refused, it goes to the usual place and the DM is not tried again for
another week (Discord frowns on bots whose DMs keep failing). Telling the bot something in DMs makes the next
message try the DM at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from storage.queries import people
from tests.support.database import drop_test_schema
from tests.support.pairs import (
    Member,
    Pair,
    add_member,
    add_pair,
    organiser_notices,
    own_threads,
    posts_in,
    refused_dms,
)
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.surveys", "cogs.nudges", "cogs.dms"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _pair_with_closed_mentee(world: SandboxWorld) -> Pair:
    mentor = await add_member(world, "Mentor R", "Europe/London")
    mentee = await add_member(world, "Mentee R", "Europe/London", dms_open=False, known_dm=False)
    pair = await add_pair(world, mentor, mentee, space=True)
    await world.bot.services.nudges.plan_match(pair.match_id)
    return pair


async def _run(world: SandboxWorld, **delta: float) -> None:
    world.clock.advance(timedelta(**delta))
    await world.bot.tick("survey-dispatch")
    await world.bot.tick("nudge-dispatch")


def _scheduled_dms(member: Member) -> list[str]:
    return [m.content for m in member.persona.dms() if "ref:n" in m.content]


def _elsewhere(world: SandboxWorld, pair: Pair) -> list[str]:
    """What reached the mentee outside DMs: their private thread, their pair's space (with a mention)."""
    assert pair.space is not None
    channels = [*own_threads(world, pair.mentee), pair.space]
    return [m.content for c in channels for m in posts_in(world, c)
            if "ref:n" in m.content and f"<@{pair.mentee.persona.id}>" in m.content]


async def _closed_flag(world: SandboxWorld, member: Member) -> bool:
    async with world.bot.sessions() as s:
        person = await people.get_person(session=s, person_id=member.person_id)
    assert person is not None
    return person.dms_closed


async def test_dms_opened_again_are_used_again_after_a_week_and_the_organisers_hear_once(world: SandboxWorld) -> None:
    pair = await _pair_with_closed_mentee(world)
    await _run(world, minutes=1)  # the baseline survey: DMs found closed, so in their private thread
    assert len(_elsewhere(world, pair)) == 1 and refused_dms(world) == 1
    assert len(organiser_notices(world, pair.mentee, "closed their DMs")) == 1

    pair.mentee.persona.dms_open = True  # they open their DMs; the bot does not know yet
    for _ in range(5):  # within the week: the survey's reminder and the day-3 check-in, not by DM
        await _run(world, days=1)
    assert _scheduled_dms(pair.mentee) == [] and len(_elsewhere(world, pair)) == 3

    await _run(world, days=9)  # the week-2 check-in, more than a week after: the DM is tried, and works
    assert len(_scheduled_dms(pair.mentee)) == 1, "DMs open again were never tried"
    assert not await _closed_flag(world, pair.mentee)
    assert len(organiser_notices(world, pair.mentee, "DMs are open again")) == 1
    await _run(world, days=16)  # the monthly check-in: by DM, without trying anything else first
    assert len(_scheduled_dms(pair.mentee)) == 2 and len(_elsewhere(world, pair)) == 3
    assert len(organiser_notices(world, pair.mentee, "DMs are open again")) == 1
    assert len(organiser_notices(world, pair.mentee, "closed their DMs")) == 1


async def test_dms_still_closed_are_tried_at_most_once_a_week_and_nothing_is_lost(world: SandboxWorld) -> None:
    pair = await _pair_with_closed_mentee(world)
    await _run(world, minutes=1)
    for _ in range(5):
        await _run(world, days=1)
    assert refused_dms(world) == 1, "a DM known closed was tried again within the week"
    await _run(world, days=9)  # the week-2 check-in: tried once by DM, refused, sent where it always went
    assert refused_dms(world) == 2 and len(_elsewhere(world, pair)) == 4
    assert await _closed_flag(world, pair.mentee)
    for _ in range(35):  # to day 49: monthly check-in (30), mid-point survey (45) and its reminder (48)
        await _run(world, days=1)
    refused = [r.t for r in world.discord.log.rest if r.method == "POST" and r.path.endswith("/messages")
               and r.status == 403]
    assert all(b - a >= timedelta(days=7) for a, b in zip(refused, refused[1:], strict=False)), \
        "a refused DM was tried again within a week of the last refusal"
    assert len(refused) == 4 and len(_elsewhere(world, pair)) == 7, "every message still reached them"
    assert len(organiser_notices(world, pair.mentee, "closed their DMs")) == 1, "the organisers heard again"
    assert organiser_notices(world, pair.mentee, "open again") == []


async def test_a_person_who_writes_to_the_bot_in_dms_gets_their_next_message_there(world: SandboxWorld) -> None:
    pair = await _pair_with_closed_mentee(world)
    await _run(world, minutes=1)
    assert len(_elsewhere(world, pair)) == 1
    pair.mentee.persona.dms_open = True
    dm = world.discord.state.open_dm(pair.mentee.persona.id)
    await pair.mentee.persona.say("hello, I opened my DMs", dm)
    await world.discord.state.wait_for(lambda: any(m.author_id == world.discord.bot_user.id
                                                   for m in posts_in(world, dm)), 5)  # the bot's help answer
    for _ in range(5):  # the survey's reminder and the day-3 check-in: in their DMs, within the week
        await _run(world, days=1)
    assert len(_scheduled_dms(pair.mentee)) == 2 and len(_elsewhere(world, pair)) == 1
    assert not await _closed_flag(world, pair.mentee)
