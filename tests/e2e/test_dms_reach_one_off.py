"""Closed DMs are learnt and unlearnt by every message, not only the scheduled ones: a one-off message (the pair's
link, the goals invitation, the news that a match ended, a partner's end request — also when their pair's space
was deleted —, why someone is not in a round, the end of a break, an organiser's reminder to a pair with no space)
whose DM is refused marks the person's DMs closed, tells the organisers once and reaches them in a thread only
they see; one that gets through after they were marked clears it and tells the organisers once.
A person marked closed within the week gets their pair's goals invitation in their private thread with no DM
tried first, and a person who writes to the bot in its DMs — answering their interview too — is tried by DM at
their next message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.discord import Message
from bot.sandbox.world import SandboxWorld
from bot.services.dm_reach import dms_closed_now
from storage.db import transaction
from storage.queries import matching, people
from tests.support.database import drop_test_schema
from tests.support.pairs import (
    Member,
    add_member,
    add_pair,
    organiser_notices,
    own_thread,
    posts_in,
    refused_dms,
)
from tests.support.statements import StatementCount
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def pairs(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """Members added by hand (no welcome racing the test for their row), matched and announced."""
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.matching", "cogs.nudges", "cogs.goals",
                                                               "cogs.organisers", "cogs.dms"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _pair(world: SandboxWorld, mentor: Member, mentee: Member) -> int:
    """The two matched and announced (their space, the links by DM): the match id."""
    match_id = (await add_pair(world, mentor, mentee, announced=False, reasons="both like planning")).match_id
    await world.bot.tick("announce-pairs")
    async with world.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=match_id)
    assert match is not None and match.announce_state == "done"
    return match_id


async def _end(world: SandboxWorld, match_id: int) -> None:
    programme = world.bot.services.programmes.all()[0]
    assert await world.bot.services.ending.end_match(programme, match_id, "organiser", None,
                                                     note="a timetable clash") is not None


async def _mark_closed(world: SandboxWorld, member: Member, ago: timedelta) -> None:
    async with transaction(world.bot.sessions) as s:
        await people.mark_dms_closed(session=s, person_id=member.person_id, now=world.clock.now() - ago)


async def _closed_now(world: SandboxWorld, member: Member) -> bool:
    """Whether the bot would skip their DMs now."""
    async with world.bot.sessions() as s:
        person = await people.get_person(session=s, person_id=member.person_id)
    assert person is not None
    return dms_closed_now(person, world.clock.now())


async def test_a_refused_match_end_notice_marks_the_dms_closed_and_the_organisers_hear_once(
        pairs: SandboxWorld) -> None:
    world = pairs
    mentor = await add_member(world, "Mentor O", "Europe/London")
    mentee = await add_member(world, "Mentee O", "Europe/London")
    match_id = await _pair(world, mentor, mentee)
    mentee.persona.dms_open = False  # they close their DMs after the pair's links came
    await _end(world, match_id)
    thread = own_thread(world, mentee)
    assert thread is not None and [m for m in posts_in(world, thread) if "timetable clash" in m.content]
    assert await _closed_now(world, mentee), "a refused one-off DM was not remembered"
    assert len(organiser_notices(world, mentee, "closed their DMs")) == 1
    refused = refused_dms(world)
    second = await _pair(world, mentor, mentee)  # a later pair: no DM tried again within the week
    await _end(world, second)
    assert refused_dms(world) == refused, "DMs known closed were tried again by a one-off message"
    assert len(organiser_notices(world, mentee, "closed their DMs")) == 1, "the organisers heard again"


async def test_a_match_end_notice_that_gets_through_a_week_on_clears_the_mark_and_says_so_once(
        pairs: SandboxWorld) -> None:
    world = pairs
    mentor = await add_member(world, "Mentor P", "Europe/London")
    mentee = await add_member(world, "Mentee P", "Europe/London")
    match_id = await _pair(world, mentor, mentee)
    await _mark_closed(world, mentee, timedelta(days=8))  # found closed more than a week ago, opened since
    await _end(world, match_id)
    assert [m for m in mentee.persona.dms() if "timetable clash" in m.content], "not tried by DM after a week"
    assert not await _closed_now(world, mentee)
    async with world.bot.sessions() as s:
        person = await people.get_person(session=s, person_id=mentee.person_id)
    assert person is not None and not person.dms_closed, "a DM that got through left them marked closed"
    assert len(organiser_notices(world, mentee, "DMs are open again")) == 1


async def test_a_pair_announced_to_dms_closed_this_week_tries_no_dm_and_invites_to_goals_privately(
        pairs: SandboxWorld) -> None:
    world = pairs
    mentor = await add_member(world, "Mentor Q", "Europe/London")
    mentee = await add_member(world, "Mentee Q", "Europe/London", dms_open=False, known_dm=False)
    await _mark_closed(world, mentee, timedelta(days=2))
    refused = refused_dms(world)
    await _pair(world, mentor, mentee)
    assert refused_dms(world) == refused, "a DM known closed this week was tried for the pair's link"
    thread = own_thread(world, mentee)
    assert thread is not None, "the goals invitation went nowhere"
    assert [m for m in posts_in(world, thread) if any("Your goals" in (e.get("title") or "") for e in m.embeds)]
    assert [m for m in mentor.persona.dms() if "ref dm" in m.content], "the mentor (open DMs) got no link"


async def test_a_person_marked_closed_who_answers_their_interview_in_dms_is_tried_by_dm_again(
        world: SandboxWorld) -> None:
    amara = world.person("Amara R")
    assert world.guild is not None
    await amara.join(world.guild)
    dm = world.discord.state.open_dm(amara.id)
    await world.discord.state.wait_for(lambda: len(posts_in(world, dm)) > 0, 5)  # the welcome, by DM
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=amara.id)
        assert person is not None
        await people.mark_dms_closed(session=s, person_id=person.id or 0, now=world.clock.now())
    before = len(posts_in(world, dm))
    await amara.say("hello", dm)
    await world.discord.state.wait_for(lambda: len(posts_in(world, dm)) > before + 1, 5)  # the interview answers
    async with world.bot.sessions() as s:
        person = await people.get_person(session=s, person_id=person.id or 0)
    assert person is not None and not dms_closed_now(person, world.clock.now()), \
        "writing in the interview left their DMs skipped"


async def test_an_end_request_to_a_partner_with_closed_dms_and_no_space_reaches_them_in_their_own_thread(
        pairs: SandboxWorld) -> None:
    world = pairs
    mentor = await add_member(world, "Mentor S", "Europe/London")
    mentee = await add_member(world, "Mentee S", "Europe/London")
    match_id = (await add_pair(world, mentor, mentee)).match_id  # announced, and no space of their own
    await world.bot.services.nudges.plan_match(match_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    await world.bot.tick("nudge-dispatch")
    checkin = next(m for m in mentor.persona.dms() if "ref:n" in m.content)
    mentee.persona.dms_open = False  # they close their DMs after their own check-in came
    await (await mentor.persona.click("End this match", message=checkin)).wait_answer()

    def asked() -> list[Message]:
        thread = own_thread(world, mentee)
        return [m for m in posts_in(world, thread) if "asked to end your" in m.content] if thread else []

    await world.discord.state.wait_for(lambda: bool(asked()), 5)
    thread = own_thread(world, mentee)
    assert thread is not None and asked(), "the partner with closed DMs was never asked to confirm the end"
    assert mentee.persona.can_see(thread)
    assert not mentor.persona.can_see(thread), "the one who asked was let into the partner's own thread"
    assert "Mentor S asked to end your" in asked()[0].content
    await world.discord.state.wait_for(lambda: bool(organiser_notices(world, mentee, "closed their DMs")), 5)
    assert await _closed_now(world, mentee), "the refused DM was not remembered"
    assert len(organiser_notices(world, mentee, "closed their DMs")) == 1
    done = await mentee.persona.click("Yes, end our match", message=asked()[0])
    assert "ended" in done.content
    async with world.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=match_id)
    assert match is not None and match.status == "ended"


@pytest.fixture
async def libraries(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """Libraries Connected, members added by hand (no onboarding interview racing the test)."""
    w, schema = await make_world(tmp_path_factory, preset="libraries",
                                 extensions=["cogs.matching", "cogs.organisers", "cogs.dms"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


def _leader(role: str, authority: str) -> dict[str, object]:
    out: dict[str, object] = {"role": role, "level": "director" if role == "mentor" else "emerging-leader",
                              "nation": "england", "service_area": ["children"], "goals": ["budgeting"],
                              "timezone": "Europe/London", "availability": ["weekday-daytime"], "organisation": authority,
                              "consent": True}
    if role == "mentor":
        out["capacity"] = 1
    return out


async def test_someone_left_out_of_a_round_with_closed_dms_is_told_why_in_their_own_thread(
        libraries: SandboxWorld) -> None:
    world = libraries
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    await olu.slash("programme", "round", "open", guild=guild, options={"name": "Round 2", "prerequisites": "training"})
    ada = await add_member(world, "Ada", "Europe/London", answers=_leader("mentor", "Kent Libraries"))
    cal = await add_member(world, "Cal", "Europe/London", answers=_leader("mentee", "Leeds Libraries"))
    dee = await add_member(world, "Dee", "Europe/London", answers=_leader("mentee", "York Libraries"),
                           dms_open=False)
    for member in (ada, cal):
        await olu.slash("programme", "round", "ready", guild=guild,
                        options={"member": member.persona.id, "prerequisite": "training"})
    await olu.slash("programme", "round", "close", guild=guild)
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    thread = own_thread(world, dee)
    assert thread is not None, "someone left out of the round with closed DMs was never told why"
    told = [m.content for m in posts_in(world, thread) if "Round 2" in m.content]
    assert len(told) == 1 and "next round" in told[0]
    assert dee.persona.can_see(thread) and not cal.persona.can_see(thread)
    await world.discord.state.wait_for(lambda: bool(organiser_notices(world, dee, "closed their DMs")), 5)
    assert await _closed_now(world, dee), "the refused DM was not remembered"
    assert len(organiser_notices(world, dee, "closed their DMs")) == 1
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    assert len([m for m in posts_in(world, thread) if "Round 2" in m.content]) == 1, "told twice"


async def test_a_one_off_dm_that_gets_through_to_someone_never_marked_writes_nothing_about_their_dms(
        pairs: SandboxWorld) -> None:
    world = pairs
    mentor = await add_member(world, "Mentor U", "Europe/London")
    mentee = await add_member(world, "Mentee U", "Europe/London")
    match_id = await _pair(world, mentor, mentee)
    assert world.engine is not None
    with StatementCount(world.engine) as seen:
        await _end(world, match_id)
    writes = [s for s in seen.statements if " ".join(s.split()).upper().startswith("UPDATE PERSON ")]
    assert [m for m in mentee.persona.dms() if "timetable clash" in m.content], "the notice did not go by DM"
    assert [m for m in mentor.persona.dms() if "timetable clash" in m.content], "the notice did not go by DM"
    assert writes == [], "a DM that got through wrote a closed-DMs mark that was never there"


@pytest.fixture
async def breaks(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """Members added by hand, with the profiles cog (pauses and their end)."""
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.profiles", "cogs.organisers", "cogs.dms"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_someone_whose_break_ends_with_closed_dms_is_told_in_their_own_thread_and_organisers_hear_once(
        breaks: SandboxWorld) -> None:
    world = breaks
    programme = world.bot.services.programmes.all()[0]
    ada = await add_member(world, "Ada Break", "Europe/London")
    other = await add_member(world, "Bo Other", "Europe/London")
    assert await world.bot.services.people.pause(programme, ada.persona.id, 1) is not None
    ada.persona.dms_open = False  # they close their DMs during the break
    world.clock.advance(timedelta(days=7, hours=1))
    await world.bot.tick("pause-expiry")

    def told() -> list[Message]:
        thread = own_thread(world, ada)
        return [m for m in posts_in(world, thread) if "break" in m.content] if thread is not None else []

    assert len(told()) == 1, "someone with closed DMs was never told their break is over"
    thread = own_thread(world, ada)
    assert thread is not None and ada.persona.can_see(thread) and not other.persona.can_see(thread)
    assert len(organiser_notices(world, ada, "closed their DMs")) == 1
    assert await _closed_now(world, ada), "the refused DM was not remembered"

    extended = await ada.persona.click("Pause 2 more weeks", message=told()[0])
    assert "enjoy the break" in extended.content
    world.clock.advance(timedelta(days=14, hours=1))  # over a week on: the DM is tried again, and still refused
    await world.bot.tick("pause-expiry")
    assert len(told()) == 2, "the end of the longer break was not told"
    assert len(organiser_notices(world, ada, "closed their DMs")) == 1, "the organisers heard again"


async def test_a_reminder_to_a_pair_with_no_space_reaches_the_one_with_closed_dms_in_their_own_thread(
        pairs: SandboxWorld) -> None:
    world = pairs
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    mentor = await add_member(world, "Mentor V", "Europe/London")
    mentee = await add_member(world, "Mentee V", "Europe/London", dms_open=False)
    await add_pair(world, mentor, mentee)  # announced, and no space of their own

    def reminders() -> list[Message]:
        thread = own_thread(world, mentee)
        return [m for m in posts_in(world, thread) if "friendly nudge" in m.content] if thread else []

    for n in (1, 2):
        answer = await olu.slash("match", "remind", guild=guild, options={"person": "Mentee V"})
        await answer.wait_answer()
        assert "Reminder sent" in answer.content and "couldn't" not in answer.content, answer.content
        assert len(reminders()) == n, "the one with closed DMs was never reminded"
    assert len([m for m in mentor.persona.dms() if "friendly nudge" in m.content]) == 2, "the mentor: by DM"
    thread = own_thread(world, mentee)
    assert thread is not None and mentee.persona.can_see(thread)
    assert not mentor.persona.can_see(thread), "the partner was let into the other's own thread"
    assert "Mentor V" in reminders()[0].content
    assert len(organiser_notices(world, mentee, "closed their DMs")) == 1, "the organisers heard of the closed DMs twice"
    assert await _closed_now(world, mentee), "the refused DM was not remembered"


async def test_an_end_request_whose_pair_space_was_deleted_reaches_the_partner_privately_and_organisers_hear_once(
        pairs: SandboxWorld) -> None:
    world = pairs
    mentor = await add_member(world, "Mentor W", "Europe/London")
    mentee = await add_member(world, "Mentee W", "Europe/London")
    pair = await add_pair(world, mentor, mentee, space=True)
    assert pair.space is not None
    await world.bot.services.nudges.plan_match(pair.match_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    await world.bot.tick("nudge-dispatch")
    checkin = next(m for m in mentor.persona.dms() if "ref:n" in m.content)
    mentee.persona.dms_open = False  # they close their DMs …
    world.discord.state.delete_channel(pair.space)  # … and an organiser deletes the pair's space
    refused = refused_dms(world)
    await (await mentor.persona.click("End this match", message=checkin)).wait_answer()

    def asked() -> list[Message]:
        thread = own_thread(world, mentee)
        return [m for m in posts_in(world, thread) if "asked to end your" in m.content] if thread else []

    def space_gone() -> list[str]:
        return organiser_notices(world, mentee, "is gone")

    await world.discord.state.wait_for(lambda: bool(asked()) and bool(space_gone()), 5)
    thread = own_thread(world, mentee)
    assert thread is not None and mentee.persona.can_see(thread)
    assert not mentor.persona.can_see(thread), "the one who asked was let into the partner's own thread"
    assert len(asked()) == 1 and "Mentor W asked to end your" in asked()[0].content
    assert len(space_gone()) == 1 and "private thread instead" in space_gone()[0], space_gone()
    assert len(organiser_notices(world, mentee, "closed their DMs")) == 1
    assert await _closed_now(world, mentee), "the refused DM was not remembered"
    assert refused_dms(world) == refused + 1, "the DM was tried twice"
    done = await mentee.persona.click("Yes, end our match", message=asked()[0])
    assert "ended" in done.content
