"""What is meant for one person reaches only that person: with their DMs closed, the goals invitation and the
news that their match ended go to a private thread only they (and the organisers) see — never into a mentor's
pod, where the mentor's other mentees would read it; a pod mentor with closed DMs sees a mentee's new goals there
too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Match
from storage.queries import matching, people
from tests.support.database import drop_test_schema
from tests.support.pairs import (
    Member,
    add_member,
    organiser_notices,
    own_thread,
    own_threads,
    posts_in,
)
from tests.support.world import make_world

pytestmark = pytest.mark.e2e

POD_COGS = ["cogs.matching", "cogs.nudges", "cogs.goals", "cogs.organisers"]


@pytest.fixture
async def pods(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """Each mentor has one pod (a channel) shared by all their mentees."""
    w, schema = await make_world(tmp_path_factory, extensions=POD_COGS,
                                 programme_overrides={"spaces": {"per": "mentor", "mode": "channels"}})
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _pod_of(world: SandboxWorld, mentor: Member, *mentees: Member) -> tuple[list[int], int]:
    """The mentor matched with each mentee and announced: the match ids and the pod's channel id."""
    programme = world.bot.services.programmes.all()[0]
    ids = []
    for mentee in mentees:
        async with transaction(world.bot.sessions) as s:
            row = await matching.add_match(session=s, match=Match(
                programme_id=programme.id, mentor_person_id=mentor.person_id, mentee_person_id=mentee.person_id,
                status="active", announce_state="pending", started_at=world.clock.now(), reasons="both like planning"))
        ids.append(row.id or 0)
    await world.bot.tick("announce-pairs")
    async with world.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=ids[0])
    assert match is not None and match.space_id is not None and match.announce_state == "done"
    return ids, match.space_id


def _goal_invites(world: SandboxWorld, channel_id: int) -> list[str]:
    return [m.content for m in posts_in(world, channel_id)
            if any("Your goals" in (e.get("title") or "") for e in m.embeds)]


async def test_a_mentee_with_closed_dms_in_a_pod_is_invited_to_set_goals_where_only_they_see_it(
        pods: SandboxWorld) -> None:
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London")
    closed = await add_member(world, "Leader Closed", "Europe/London", dms_open=False, known_dm=False)
    other = await add_member(world, "Leader Open", "Europe/London")
    (closed_match, _), pod = await _pod_of(world, mentor, closed, other)
    assert _goal_invites(world, pod) == [], "a goals invitation in the pod, in front of the other mentee"
    thread = own_thread(world, closed)
    assert thread is not None, "the goals invitation to closed DMs went nowhere"
    assert closed.persona.can_see(thread) and not other.persona.can_see(thread)
    (invite,) = [m for m in posts_in(world, thread) if m.embeds and "Your goals" in (m.embeds[0].get("title") or "")]
    assert f"<@{closed.persona.id}>" in invite.content
    used = await closed.persona.click("Write my goals", message=invite)
    assert used.modal is not None and used.modal["custom_id"] == f"goals:modal:{closed_match}"

    await world.bot.tick("announce-pairs")  # a later run (nothing left to announce) sends nothing again
    assert len(_goal_invites(world, thread.id)) == 1


async def test_a_mentee_with_closed_dms_hears_their_match_ended_outside_the_pod(pods: SandboxWorld) -> None:
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London")
    closed = await add_member(world, "Leader Closed", "Europe/London", dms_open=False, known_dm=False)
    other = await add_member(world, "Leader Open", "Europe/London")
    (closed_match, _), pod = await _pod_of(world, mentor, closed, other)
    programme = world.bot.services.programmes.all()[0]

    assert await world.bot.services.ending.end_match(programme, closed_match, "organiser", None,
                                                     note="a timetable clash") is not None
    in_pod = [m.content for m in posts_in(world, pod) if "timetable clash" in m.content]
    assert in_pod == [], "the end of one mentee's match was told in front of the pod"
    told = [(t, m.content) for t in own_threads(world, closed) for m in posts_in(world, t)
            if "timetable clash" in m.content]
    assert len(told) == 1, "the mentee with closed DMs was never told their match ended"
    ((thread, text),) = told
    assert closed.persona.can_see(thread) and not other.persona.can_see(thread)
    assert not mentor.persona.can_see(thread)
    assert f"<@{closed.persona.id}>" in text
    assert [m for m in mentor.persona.dms() if "timetable clash" in m.content], "the mentor (open DMs): by DM"


async def test_once_dms_are_open_again_a_checkin_goes_to_the_dms_not_the_private_thread(pods: SandboxWorld) -> None:
    """The private thread a check-in went to while DMs were closed is never taken for their DM channel."""
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London")
    closed = await add_member(world, "Leader Closed", "Europe/London", dms_open=False, known_dm=False)
    other = await add_member(world, "Leader Open", "Europe/London")
    (closed_match, _), _pod = await _pod_of(world, mentor, closed, other)
    await world.bot.services.nudges.plan_match(closed_match)
    world.clock.advance(timedelta(days=3, minutes=1))
    await world.bot.tick("nudge-dispatch")
    checkins = [(t, m) for t in own_threads(world, closed) for m in posts_in(world, t) if "ref:n" in m.content]
    assert len(checkins) == 1, "the day-3 check-in to closed DMs went to their private thread"
    thread = checkins[0][0]

    closed.persona.dms_open = True  # they open their DMs, and the bot learns it
    async with transaction(world.bot.sessions) as s:
        await people.mark_dms_closed(session=s, person_id=closed.person_id, now=world.clock.now(), closed=False)
    world.clock.advance(timedelta(days=11))
    await world.bot.tick("nudge-dispatch")
    assert [m for m in closed.persona.dms() if "ref:n" in m.content], "the next check-in: not in their DMs"
    assert len([m for m in posts_in(world, thread) if "ref:n" in m.content]) == 1, "sent to the thread as if a DM"


async def test_a_pod_mentor_with_closed_dms_sees_a_mentees_new_goals_in_their_own_thread_and_organisers_hear_once(
        pods: SandboxWorld) -> None:
    world = pods
    mentor = await add_member(world, "Nell", "Europe/London")
    mentee = await add_member(world, "Leader Goals", "Europe/London")
    other = await add_member(world, "Leader Other", "Europe/London")
    (_match, _), pod = await _pod_of(world, mentor, mentee, other)
    mentor.persona.dms_open = False  # the mentor closes their DMs after the pair's links came
    invite = next(m for m in mentee.persona.dms() if m.embeds and "Your goals" in (m.embeds[0].get("title") or ""))

    for goal in ("Lead a staff briefing", "Plan next year's budget"):
        await mentee.persona.click("Write my goals", message=invite)
        saved = await mentee.persona.submit_modal({"Goal 1": goal})
        assert "saved" in saved.content

        def shared(text: str = goal) -> list[str]:
            thread = own_thread(world, mentor)
            return [m.content for m in posts_in(world, thread) for e in m.embeds
                    if text in str(e.get("fields"))] if thread is not None else []

        await world.discord.state.wait_for(lambda: bool(shared()), 5)
        assert len(shared()) == 1, "the pod mentor with closed DMs never saw their mentee's new goals"
    thread = own_thread(world, mentor)
    assert thread is not None and thread.parent_id == pod
    assert mentor.persona.can_see(thread)
    assert not mentee.persona.can_see(thread) and not other.persona.can_see(thread)
    assert [m for m in posts_in(world, pod) if m.embeds and "Goals" in (m.embeds[0].get("title") or "")] == [], \
        "the goals were shown in the pod, in front of the other mentees"
    await world.discord.state.wait_for(lambda: bool(organiser_notices(world, mentor, "closed their DMs")), 5)
    assert len(organiser_notices(world, mentor, "closed their DMs")) == 1, "the organisers heard more than once"
    async with world.bot.sessions() as s:
        person = await people.get_person(session=s, person_id=mentor.person_id)
    assert person is not None and person.dms_closed, "the refused DM was not remembered"
