"""The one exactly-once scheduled-DM dispatcher, as people meet it in each feature that uses it: a survey or an
event reminder to someone whose DMs are closed reaches them in a private thread only they see (the organisers
are told once); a survey cancelled while its person was paused goes out when they are back; a mentor of several
pairs gets ONE baseline survey with a button per pair; a check-in to closed DMs in a mentor's pod is not shown
to the pod's other mentees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.discord.model import Channel, ChannelType, Message
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Match, NudgeKind
from storage.queries import matching
from storage.queries import nudges as nq
from storage.queries import surveys as qs
from tests.support.community import events_world_fixture, set_role  # noqa: F401  (the world fixture)
from tests.support.database import drop_test_schema
from tests.support.pairs import Member, add_member, add_pair, make_pair, organiser_notices
from tests.support.surveys import run_surveys_after, tap
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


def _own_thread(world: SandboxWorld, member: Member) -> Channel | None:
    return next((c for c in world.discord.state.channels.values()
                 if c.type == ChannelType.PRIVATE_THREAD and c.name.endswith(f"#u{member.person_id}")), None)


def _in(world: SandboxWorld, channel: Channel) -> list[Message]:
    return sorted((m for m in world.discord.state.messages.values() if m.channel_id == channel.id
                   and m.interaction_id is None and not m.deleted), key=lambda m: m.id)


async def test_a_survey_to_closed_dms_reaches_the_person_privately_and_the_organisers_once(
        sworld: SandboxWorld) -> None:
    mentor = await add_member(sworld, "Mentor C", "Europe/London")
    mentee = await add_member(sworld, "Mentee C", "Europe/London", dms_open=False)
    await add_pair(sworld, mentor, mentee)
    await run_surveys_after(sworld, minutes=1)
    thread = _own_thread(sworld, mentee)
    assert thread is not None, "the survey to closed DMs went nowhere"
    assert mentee.persona.can_see(thread) and not mentor.persona.can_see(thread)  # personal: not the partner's
    (survey,) = _in(sworld, thread)
    assert "three quick questions" in survey.content and f"<@{mentee.persona.id}>" in survey.content
    assert "2/3" in (await tap(mentee.persona, "4", survey)).content  # answered there like in a DM
    assert len(organiser_notices(sworld, mentee, "closed their DMs")) == 1

    for _ in range(6):  # the one reminder goes the same way; the organisers are not told again
        await run_surveys_after(sworld, days=1)
    assert len(_in(sworld, thread)) == 2 and "ref:n" in _in(sworld, thread)[1].content
    assert len(organiser_notices(sworld, mentee, "closed their DMs")) == 1
    assert len([m for m in mentor.persona.dms() if m.interaction_id is None]) == 2  # open DMs: as before


async def test_a_survey_cancelled_while_its_person_was_paused_goes_out_when_they_are_back(
        sworld: SandboxWorld) -> None:
    pair = await make_pair(sworld, "P")
    programme = sworld.bot.services.programmes.all()[0]
    assert await sworld.bot.services.surveys.plan(programme) == 2  # both baselines written
    await sworld.bot.services.people.pause(programme, pair.mentee.persona.id, 1)  # … and the mentee's cancelled
    await run_surveys_after(sworld, minutes=1)
    assert len(pair.mentor.persona.dms()) == 1 and pair.mentee.persona.dms() == []

    assert await sworld.bot.services.people.resume(programme, pair.mentee.persona.id)
    await run_surveys_after(sworld, minutes=11)  # the next planning
    got = [m for m in pair.mentee.persona.dms() if "three quick questions" in m.content]
    assert len(got) == 1
    await run_surveys_after(sworld, minutes=11)
    assert len([m for m in pair.mentee.persona.dms() if "three quick questions" in m.content]) == 1  # once
    async with sworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.kind == NudgeKind.SURVEY]
    assert sorted(r.status for r in rows) == ["sent", "sent"]


async def test_a_survey_reminder_cancelled_by_a_pause_still_comes_when_they_are_back(sworld: SandboxWorld) -> None:
    pair = await make_pair(sworld, "R")
    programme = sworld.bot.services.programmes.all()[0]
    await run_surveys_after(sworld, minutes=1)  # both got the survey; their reminders are written
    await sworld.bot.services.people.pause(programme, pair.mentee.persona.id, 1)  # the mentee's reminder: cancelled
    await run_surveys_after(sworld, days=1)
    assert await sworld.bot.services.people.resume(programme, pair.mentee.persona.id)
    for _ in range(6):
        await run_surveys_after(sworld, days=1)
    got = [m for m in pair.mentee.persona.dms() if m.interaction_id is None]
    assert len(got) == 2 and "no pressure" in got[1].content  # the survey, then its one reminder
    for _ in range(3):
        await run_surveys_after(sworld, days=1)
    assert len([m for m in pair.mentee.persona.dms() if m.interaction_id is None]) == 2  # once


async def test_a_mentor_of_several_pairs_gets_one_baseline_survey_with_a_button_per_pair(
        sworld: SandboxWorld) -> None:
    mentor = await add_member(sworld, "Mentor M", "Europe/London")
    mentees = [await add_member(sworld, f"Leader {x}", "Europe/London") for x in "ABC"]
    pairs = [await add_pair(sworld, mentor, m) for m in mentees]
    await run_surveys_after(sworld, minutes=1)
    (survey,) = [m for m in mentor.persona.dms() if m.interaction_id is None]
    labels = [c["label"] for row in survey.components for c in row["components"]]
    assert labels == ["Leader A", "Leader B", "Leader C"]
    assert all(len([m for m in p.persona.dms() if m.interaction_id is None]) == 1 for p in mentees)

    opened = await mentor.persona.click("Leader B", message=survey)
    await opened.wait_answer()
    shown = opened.message
    assert shown is not None and "Leader B" in shown.content and "1/3" in shown.content
    await tap(mentor.persona, "5", shown)
    async with sworld.bot.sessions() as s:
        answers = await qs.answers_of_person(session=s, person_id=mentor.person_id)
    assert [(a.match_id, a.question_key, a.value_int) for a in answers] == [(pairs[1].match_id, "confidence", 5)]

    for _ in range(6):  # the reminder: one message too, for the two pairs not answered at all
        await run_surveys_after(sworld, days=1)
    mine = [m for m in mentor.persona.dms() if m.interaction_id is None]
    assert len(mine) == 2
    reminder = [c["label"] for row in mine[1].components for c in row["components"]]
    assert reminder == ["Leader A", "Leader B", "Leader C"]  # Leader B's is begun, not finished


async def test_a_mentors_survey_whose_answer_was_lost_is_found_not_sent_again(sworld: SandboxWorld) -> None:
    mentor = await add_member(sworld, "Mentor L", "Europe/London")
    pairs = [await add_pair(sworld, mentor, await add_member(sworld, f"Leader {x}", "Europe/London")) for x in "AB"]
    dm = sworld.discord.state.open_dm(mentor.persona.id)
    sworld.discord.faults.lose_response_next("drop", method="POST", path_contains=f"/channels/{dm.id}/messages")
    await run_surveys_after(sworld, minutes=1)  # the survey reached the mentor; the bot never heard back
    assert sworld.discord.faults.fired, "the fault never fired"
    for _ in range(3):  # retried later, past Discord's few minutes in which a nonce dedupes a resend
        await run_surveys_after(sworld, minutes=10)
    mine = [m for m in mentor.persona.dms() if m.interaction_id is None]
    assert len(mine) == 1, f"the mentor got {len(mine)} copies of the survey"
    async with sworld.bot.sessions() as s:
        rows = [n for p in pairs for n in await nq.nudges_of_match(session=s, match_id=p.match_id)
                if n.kind == NudgeKind.SURVEY and n.person_id == mentor.person_id]
    assert [r.status for r in rows] == ["sent", "sent"] and {r.message_id for r in rows} == {mine[0].id}


@pytest.fixture
async def both(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.surveys", "cogs.nudges"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_two_features_finding_the_same_closed_dms_at_once_tell_the_organisers_once(both: SandboxWorld) -> None:
    mentor = await add_member(both, "Mentor T", "Europe/London")
    mentee = await add_member(both, "Mentee T", "Europe/London", dms_open=False)
    pair = await add_pair(both, mentor, mentee, space=True)
    await both.bot.services.nudges.plan_match(pair.match_id)
    both.clock.advance(timedelta(days=3, minutes=1))  # the first check-in and the baseline survey, both due
    await asyncio.gather(both.bot.tick("nudge-dispatch"), both.bot.tick("survey-dispatch"))
    assert pair.space is not None and [m for m in _in(both, pair.space) if "ref:n" in m.content]  # the check-in
    thread = _own_thread(both, mentee)
    assert thread is not None and [m for m in _in(both, thread) if "ref:n" in m.content]  # the survey
    assert len(organiser_notices(both, mentee, "closed their DMs")) == 1


async def test_an_event_reminder_to_closed_dms_reaches_the_person_privately_and_the_organisers_once(
        world: SandboxWorld) -> None:
    assert world.organiser is not None and world.guild is not None
    ana = await add_member(world, "Ana Mentor", "Europe/London")
    bo = await add_member(world, "Bo Mentor", "Europe/London", dms_open=False)
    for m in (ana, bo):
        await set_role(world, m, "mentor")
    created = await world.organiser.slash("event", "create", options={
        "title": "Mentors' development day", "kind": "development_day", "date": "2026-09-19", "time": "10:00",
        "hours": 6, "link": "https://meet.example/dev-day", "audience": "mentors", "timezone": "Europe/London"})
    await created.wait_answer()
    for when in (datetime(2026, 9, 12, 9, 0, tzinfo=UTC), datetime(2026, 9, 18, 9, 0, tzinfo=UTC)):
        world.clock.advance_to(when)
        await world.bot.tick("event-run")
        await world.bot.tick("event-run")
    assert len([m for m in ana.persona.dms() if "ref:ev" in m.content]) == 2
    thread = _own_thread(world, bo)
    assert thread is not None, "the reminder to closed DMs went nowhere"
    assert bo.persona.can_see(thread) and not ana.persona.can_see(thread)
    sent = _in(world, thread)
    assert len(sent) == 2 and all("Coming up" in m.content and "ref:ev" in m.content for m in sent)
    await (await bo.persona.click("I'll be there 🏃", message=sent[1])).wait_answer()  # answered there
    assert len(organiser_notices(world, bo, "closed their DMs")) == 1


@pytest.fixture
async def pods(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.matching", "cogs.nudges"],
                                 programme_overrides={"spaces": {"per": "mentor", "mode": "channels"}})
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_a_checkin_to_closed_dms_in_a_pod_is_seen_only_by_its_person(pods: SandboxWorld) -> None:
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London")
    closed = await add_member(world, "Leader Closed", "Europe/London", dms_open=False)
    other = await add_member(world, "Leader Open", "Europe/London")
    programme = world.bot.services.programmes.all()[0]
    ids = []
    for mentee in (closed, other):
        async with transaction(world.bot.sessions) as s:
            row = await matching.add_match(session=s, match=Match(
                programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
                status="active", started_at=world.clock.now(), reasons="both run on Sundays"))
        ids.append(row.id or 0)
    await world.bot.tick("announce-pairs")
    for mid in ids:
        await world.bot.services.nudges.plan_match(mid)
    async with world.bot.sessions() as s:
        pod = (await matching.get_match(session=s, match_id=ids[0])).space_id  # type: ignore[union-attr]
    assert pod is not None
    world.clock.advance(timedelta(days=3, minutes=1))
    await world.bot.tick("nudge-dispatch")
    thread = _own_thread(world, closed)
    assert thread is not None and thread.parent_id == pod, "the check-in to closed DMs went nowhere private"
    assert closed.persona.can_see(thread) and not other.persona.can_see(thread)
    assert [m for m in _in(world, thread) if "ref:n" in m.content]
    in_pod = [m.content for m in _in(world, world.discord.state.channels[pod]) if "ref:n" in m.content]
    assert not [c for c in in_pod if f"<@{closed.persona.id}>" in c]  # nothing of theirs in the shared pod
    assert len(organiser_notices(world, closed, "closed their DMs")) == 1


async def test_an_end_request_to_a_mentor_with_closed_dms_stays_out_of_their_pod(pods: SandboxWorld) -> None:
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London", dms_open=False)
    leaving, staying = [await add_member(world, f"Leader {x}", "Europe/London") for x in ("Leaving", "Staying")]
    programme = world.bot.services.programmes.all()[0]
    for mentee in (leaving, staying):
        async with transaction(world.bot.sessions) as s:
            row = await matching.add_match(session=s, match=Match(
                programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
                status="active", started_at=world.clock.now(), reasons="both run on Sundays"))
        await world.bot.services.nudges.plan_match(row.id or 0)
    await world.bot.tick("announce-pairs")
    world.clock.advance(timedelta(days=3, minutes=1))
    await world.bot.tick("nudge-dispatch")
    checkin = next(m for m in leaving.persona.dms() if "ref:n" in m.content)
    await (await leaving.persona.click("End this match", message=checkin)).wait_answer()
    thread = _own_thread(world, mentor)
    assert thread is not None
    asked = lambda c: [m for m in _in(world, c) if "asked to end your" in m.content]  # noqa: E731
    await world.discord.state.wait_for(lambda: bool(asked(thread)), 5)
    assert mentor.persona.can_see(thread) and not staying.persona.can_see(thread)
    assert not leaving.persona.can_see(thread), "the one who asked was let into the mentor's own thread"
    pod = next(c for c in world.discord.state.channels.values() if c.name.startswith("pod-"))
    assert asked(pod) == []  # the other leader never sees it
