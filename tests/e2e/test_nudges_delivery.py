from __future__ import annotations

from datetime import timedelta

import pytest

from bot.nudges.quiet import is_quiet
from bot.sandbox.discord.model import Message
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.queries import nudges as nq
from storage.queries import people
from tests.support.pairs import (
    Member,
    add_member,
    add_pair,
    dms_of,
    make_pair,
    organiser_notices,
    organiser_posts,
    own_thread,
    posts_in,
)

pytestmark = pytest.mark.e2e


async def _dispatch_after(nworld: SandboxWorld, **delta: float) -> None:
    nworld.clock.advance(timedelta(**delta))
    await nworld.bot.tick("nudge-dispatch")


def _posts_in(nworld: SandboxWorld, channel_id: int) -> list[Message]:
    """Messages the bot posted in a channel (not answers to clicks)."""
    return sorted((m for m in nworld.discord.state.messages.values()
                   if m.channel_id == channel_id and m.interaction_id is None), key=lambda m: m.id)


async def test_closed_dms_fall_back_to_the_pairs_space_and_are_tried_again_only_after_a_week(
        nworld: SandboxWorld) -> None:
    mentor = await add_member(nworld, "Closed Mentor", "Europe/London", dms_open=False, known_dm=False)
    mentee = await add_member(nworld, "Open Mentee", "Europe/London")
    pair = await add_pair(nworld, mentor, mentee, space=True)
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _dispatch_after(nworld, days=3, minutes=1)
    assert pair.space is not None
    in_space = _posts_in(nworld, pair.space.id)
    assert len(in_space) == 1 and f"<@{mentor.persona.id}>" in in_space[0].content
    assert "Have you two met yet?" in in_space[0].content
    await mentor.persona.click("We've met", message=in_space[0])
    await _dispatch_after(nworld, days=11)
    assert len(_posts_in(nworld, pair.space.id)) == 2
    # remembered: the DM is tried again only once a week has passed (11 days: once; see test_dms_reopen)
    assert len(nworld.discord.log.requests("POST", status=403)) == 2
    assert len(dms_of(mentee.persona)) == 2


async def test_closed_dms_and_no_space_reach_the_person_in_their_own_thread(nworld: SandboxWorld) -> None:
    mentor = await add_member(nworld, "Hidden Mentor", "Europe/London", dms_open=False, known_dm=False)
    mentee = await add_member(nworld, "Mentee Two", "Europe/London")
    pair = await add_pair(nworld, mentor, mentee)
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _dispatch_after(nworld, days=3, minutes=1)
    thread = own_thread(nworld, mentor)
    assert thread is not None and mentor.persona.can_see(thread) and not mentee.persona.can_see(thread)
    assert ["Have you two met yet?" in m.content for m in posts_in(nworld, thread)] == [True]
    assert len(organiser_notices(nworld, mentor, "closed their DMs")) == 1
    assert not any("can't reach" in p for p in organiser_posts(nworld))
    async with nworld.bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
        person = await people.get_person(session=s, person_id=mentor.person_id)
    assert [r.status for r in rows if r.person_id == mentor.person_id and r.step_key == "day3-met"] == ["sent"]
    assert person is not None and person.dms_closed


async def test_check_ins_of_a_pair_whose_space_was_deleted_reach_each_privately_and_organisers_hear_once(
        nworld: SandboxWorld) -> None:
    mentor = await add_member(nworld, "Mentor Gone", "Europe/London", dms_open=False, known_dm=False)
    mentee = await add_member(nworld, "Mentee Gone", "Europe/London", dms_open=False, known_dm=False)
    pair = await add_pair(nworld, mentor, mentee, space=True)
    assert pair.space is not None
    nworld.discord.state.delete_channel(pair.space)  # an organiser deletes the pair's space
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _dispatch_after(nworld, days=3, minutes=1)

    def checkins(member: Member) -> list[Message]:
        thread = own_thread(nworld, member)
        return [m for m in posts_in(nworld, thread) if "ref:n" in m.content] if thread else []

    for member, partner in ((mentor, mentee), (mentee, mentor)):  # right away, not after retries
        assert len(checkins(member)) == 1, f"{member.persona.name} was not reached privately"
        thread = own_thread(nworld, member)
        assert thread is not None and not partner.persona.can_see(thread)
    space_gone = [p for p in organiser_posts(nworld) if "is gone" in p]
    assert len(space_gone) == 1 and f"<@{mentor.persona.id}>" in space_gone[0], space_gone
    assert not any("given up" in p or "can't reach" in p for p in organiser_posts(nworld))
    thread = own_thread(nworld, mentor)
    assert thread is not None
    # the next check-ins: privately again, the organisers not told again; the mentor's reaches their thread but
    # the bot never hears back: retried past Discord's few minutes of nonce, it is found there, not sent again
    nworld.discord.faults.lose_response_next("drop", method="POST", path_contains=f"/channels/{thread.id}/messages")
    await _dispatch_after(nworld, days=11)
    assert nworld.discord.faults.fired, "the fault never fired"
    for _ in range(3):
        await _dispatch_after(nworld, minutes=10)
    assert len(checkins(mentor)) == 2 and len(checkins(mentee)) == 2
    assert len([p for p in organiser_posts(nworld) if "is gone" in p]) == 1
    async with nworld.bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
    assert [r.status for r in rows if r.status != "pending"] == ["sent"] * 4, [(r.step_key, r.status) for r in rows]
    assert sorted(r.attempts for r in rows if r.status == "sent") == [1, 1, 1, 2]


async def test_a_zone_change_after_planning_is_respected_at_send_time(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "Z")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    programme = nworld.bot.services.programmes.all()[0]
    async with transaction(nworld.bot.sessions) as s:  # the mentee moved to Auckland (09:00 UTC is 21:00 there)
        await people.upsert_profile(session=s, person_id=pair.mentee.person_id, programme_id=programme.id,
                                    answers={"timezone": "Pacific/Auckland"}, consent_at=None, now=nworld.clock.now())
    await _dispatch_after(nworld, days=3, minutes=1)
    assert len(dms_of(pair.mentor.persona)) == 1 and dms_of(pair.mentee.persona) == []
    for _ in range(24):
        await _dispatch_after(nworld, hours=1)
    assert len(dms_of(pair.mentee.persona)) == 1
    sent = [r for r in nworld.discord.log.requests("POST", "/messages") if r.status == 200]
    mentee_dm = pair.mentee.persona.dm_channel
    assert mentee_dm is not None
    for record in sent:
        if str(mentee_dm.id) in record.path:
            assert not is_quiet(record.t, "Pacific/Auckland", programme.config.quiet_hours)


async def test_pausing_a_person_cancels_only_their_nudges(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "P")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    now = nworld.clock.now()
    async with transaction(nworld.bot.sessions) as s:
        await people.set_person_status(session=s, person_id=pair.mentee.person_id, status="paused", now=now,
                                       paused_until=now + timedelta(days=60))
    assert await nworld.bot.services.nudges.cancel_for_person(pair.mentee.person_id) >= 3
    await _dispatch_after(nworld, days=15)
    assert dms_of(pair.mentee.persona) == [] and len(dms_of(pair.mentor.persona)) == 2
    async with transaction(nworld.bot.sessions) as s:
        await people.set_person_status(session=s, person_id=pair.mentee.person_id, status="active", now=now)
    await nworld.bot.services.nudges.replan_programme(nworld.bot.services.programmes.all()[0])
    await _dispatch_after(nworld, days=16)
    assert ["monthly" in d for d in dms_of(pair.mentee.persona)] == [True]


async def test_editing_the_plan_changes_future_nudges_only(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "Q")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _dispatch_after(nworld, days=3, minutes=1)
    registry = nworld.bot.services.programmes
    programme = registry.all()[0]
    steps = [s.model_dump(mode="json") for s in programme.config.nudges.steps if s.key != "week2-checkin"]
    steps.append({"key": "day10-tip", "kind": "message", "day": 10, "text": "Tip for {name}: agree a goal."})
    programme = await registry.save_settings(programme.key, {"nudges": {"steps": steps}})
    cancelled, added = await nworld.bot.services.nudges.replan_programme(programme)
    assert cancelled == 2 and added == 2
    await _dispatch_after(nworld, days=28)
    texts = dms_of(pair.mentor.persona)
    assert "met yet" in texts[0] and "Tip for Mentor Q" in texts[1] and "monthly" in texts[2]
    assert not any("two weeks" in t for t in texts)
    async with nworld.bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
    assert [r.status for r in rows if r.step_key == "day3-met"] == ["sent", "sent"]


async def test_silent_pairs_become_at_risk_are_reported_once_and_shown_in_the_digest(nworld: SandboxWorld) -> None:
    quiet_pair = await make_pair(nworld, "S")
    busy_pair = await make_pair(nworld, "B")
    for pair in (quiet_pair, busy_pair):
        await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _dispatch_after(nworld, days=3, minutes=1)
    await busy_pair.mentor.persona.click("We've met", message=await busy_pair.mentor.persona.next_dm())
    await _dispatch_after(nworld, days=11)
    await busy_pair.mentee.persona.click("We've met", message=(await busy_pair.mentee.persona.next_dm()))
    await _dispatch_after(nworld, days=4)
    programme = nworld.bot.services.programmes.all()[0]
    risky = await nworld.bot.services.nudges.risk.pairs_at_risk(programme)
    assert [p.match_id for p in risky] == [quiet_pair.match_id]
    alerts = [p for p in organiser_posts(nworld) if "Pair at risk" in p]
    assert len(alerts) == 1 and f"<@{quiet_pair.mentor.persona.id}>" in alerts[0]
    await _dispatch_after(nworld, days=7)
    assert len([p for p in organiser_posts(nworld) if "Pair at risk" in p]) == 1
    digests = [p for p in organiser_posts(nworld) if "Weekly digest" in p]
    assert len(digests) == 2 and "Pairs at risk (no answer to the last two check-ins): 1" in digests[-1]
    assert f"<@{quiet_pair.mentee.persona.id}>" in digests[-1]
    upcoming = await nworld.bot.services.nudges.ensure_digest(programme)
    assert upcoming is not None and upcoming.status == "pending" and upcoming.due_at.weekday() == 0
    assert upcoming.due_at > nworld.clock.now()


async def test_a_429_is_waited_out_and_the_nudge_goes_out_once(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "L")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    nworld.discord.faults.rate_limit_next(0.3, method="POST", path_contains="/messages")
    await _dispatch_after(nworld, days=3, minutes=1)
    assert len(dms_of(pair.mentor.persona)) == 1 and len(dms_of(pair.mentee.persona)) == 1
    assert len(nworld.discord.log.requests(status=429)) == 1


async def test_a_server_error_is_retried_later(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "F")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    nworld.discord.faults.fail_next(503, method="POST", path_contains="/messages", count=2)
    await _dispatch_after(nworld, days=3, minutes=1)
    assert dms_of(pair.mentor.persona) == [] and dms_of(pair.mentee.persona) == []
    await _dispatch_after(nworld, minutes=6)
    assert len(dms_of(pair.mentor.persona)) == 1 and len(dms_of(pair.mentee.persona)) == 1


async def test_a_digest_sent_before_a_crash_is_found_past_the_last_50_messages_and_not_posted_twice(
    nworld: SandboxWorld,
) -> None:
    from sqlalchemy import update

    from bot.sandbox.discord.messages import post_message
    from bot.services.nudges import marker
    from storage.models import Nudge

    programme = nworld.bot.services.programmes.all()[0]
    row = await nworld.bot.services.nudges.ensure_digest(programme)
    assert row is not None and row.id is not None and nworld.organisers_channel is not None
    nworld.clock.advance(row.due_at - nworld.clock.now() + timedelta(minutes=1))
    # the digest went out, the process died before recording it, and the channel moved on by 60 messages
    state = nworld.discord.state
    channel = state.channels[nworld.organisers_channel.id]
    post_message(state, channel, state.bot_user.id, {"content": f"📊 Weekly digest\n-# {marker(row.id)}"},
                 check=False)
    assert nworld.organiser is not None
    for i in range(60):
        nworld.clock.advance(timedelta(seconds=1))
        post_message(state, channel, nworld.organiser.id, {"content": f"chat {i}"}, check=False)
    async with transaction(nworld.bot.sessions) as s:  # it was claimed once already
        await s.exec(update(Nudge).where(Nudge.id == row.id).values(attempts=1))  # type: ignore[arg-type]
    await nworld.bot.tick("nudge-dispatch")
    marked = [m for m in _posts_in(nworld, channel.id) if marker(row.id) in m.content]
    assert len(marked) == 1, "the digest was posted twice"
    async with nworld.bot.sessions() as s:
        again = await s.get(Nudge, row.id)
    assert again is not None and again.status == "sent"
