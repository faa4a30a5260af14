"""One check-in per person per moment: a mentor with several mentees gets ONE message listing each of them, a
select per pairing; every answer is recorded on its own pair's nudge, and one acknowledgement comes once all
are answered. Exactly once, across a lost response and across two processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from bot.services.nudges.dispatch import NudgeDispatcher
from cogs.nudges._send import DiscordNudgeChannels
from storage.queries import nudges as nq
from tests.support.pairs import Member, Pair, add_member, add_pair, dms_of, organiser_posts

pytestmark = pytest.mark.e2e


async def _mentor_with(world: SandboxWorld, n: int, *, space: bool = False) -> tuple[Member, list[Pair]]:
    mentor = await add_member(world, "Mentor Multi", "Europe/London")
    pairs = []
    for i in range(n):
        mentee = await add_member(world, f"Leader {i + 1:02d}", "Europe/London")
        pairs.append(await add_pair(world, mentor, mentee, space=space))
        world.clock.advance(timedelta(minutes=20))  # announced one after another, not at the same instant
    for p in pairs:
        await world.bot.services.nudges.plan_match(p.match_id)
    return mentor, pairs


def _selects(msg: object) -> list[dict]:
    return [c for row in msg.components for c in row.get("components", []) if c.get("type") == 3]  # type: ignore[attr-defined]


async def _day3_rows(world: SandboxWorld, pairs: list[Pair], person_id: int) -> list:
    async with world.bot.sessions() as s:
        rows = [n for p in pairs for n in await nq.nudges_of_match(session=s, match_id=p.match_id)]
    return sorted([n for n in rows if n.person_id == person_id and n.step_key == "day3-met"], key=lambda n: n.id)


async def test_a_mentor_with_three_mentees_gets_one_checkin_and_answers_each_pair(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 3)
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")
    mine = dms_of(mentor.persona)
    assert len(mine) == 1, mine  # one message, not three
    msg = mentor.persona.dms()[0]
    assert all(f"Leader 0{i}" in msg.content for i in (1, 2, 3)) and "3 mentees" in msg.content
    selects = _selects(msg)
    assert len(selects) == 3 and all(s["custom_id"].startswith("checkin:") for s in selects)
    for p in pairs:  # each mentee still gets their own check-in about their mentor
        assert len(dms_of(p.mentee.persona)) == 1

    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.status for r in rows] == ["sent"] * 3 and {r.message_id for r in rows} == {msg.id}

    first = await mentor.persona.choose("We've met", custom_id=f"checkin:{rows[0].id}", message=msg)
    assert first.deferred and first.followups == []  # the message shows it; no acknowledgement yet
    await first.wait_answer()
    assert "you've met" in nworld.discord.state.messages[msg.id].content
    help_ = await mentor.persona.choose("We need help", custom_id=f"checkin:{rows[1].id}", message=msg)
    await help_.wait_answer()
    assert help_.followups == []
    last = await mentor.persona.choose("Not yet", custom_id=f"checkin:{rows[2].id}", message=msg)
    await last.wait_followups(1)
    assert "everyone noted" in last.content  # the one acknowledgement
    acks = [r for r in mentor.persona.interactions if r.followups]
    assert len(acks) == 1

    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.answer for r in rows] == ["met", "help", "not_yet"]
    assert sum("asked for help" in p for p in organiser_posts(nworld)) == 1  # escalations stay per pair
    # the answered selects are closed: a second answer cannot be given by mistake
    assert all(s.get("disabled") for s in _selects(nworld.discord.state.messages[msg.id]))


async def test_someone_else_cannot_answer_a_mentors_checkin(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 2)
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")
    msg = mentor.persona.dms()[0]
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    intruder = pairs[0].mentee.persona
    result = await intruder.choose("End this match", custom_id=f"checkin:{rows[0].id}", message=msg)
    await result.wait_answer()
    assert "someone else" in result.content
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.answer for r in rows] == [None, None]


async def test_twelve_mentees_fit_one_message_in_pages(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 12)
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")
    assert len(dms_of(mentor.persona)) == 1
    msg = mentor.persona.dms()[0]
    assert len(msg.components) <= 5 and len(_selects(msg)) == 4
    assert "Leader 12" in msg.content and len(msg.content) <= 2000
    page = await mentor.persona.click("Pairings 5–8 ▶", message=msg)
    await page.wait_answer()
    now = nworld.discord.state.messages[msg.id]
    assert any("Leader 05" in s.get("placeholder", "") for s in _selects(now))
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    answer = await mentor.persona.choose("We've met", custom_id=f"checkin:{rows[5].id}", message=now)
    await answer.wait_answer()
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.answer for r in rows].count("met") == 1 and rows[5].answer == "met"
    # still on the page of the pairing just answered
    assert any("Leader 06" in s.get("placeholder", "") for s in _selects(nworld.discord.state.messages[msg.id]))


async def test_someone_else_turning_a_mentors_checkin_page_is_told_in_the_programmes_words(
        nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 6)
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")
    msg = mentor.persona.dms()[0]
    page = await pairs[0].mentee.persona.click("Pairings 5–6 ▶", message=msg)
    await page.wait_answer()
    assert "meant for someone else, so no need to answer it" in page.content, page.content  # #EduMentoring's
    assert not any("Leader 05" in s.get("placeholder", "") for s in _selects(nworld.discord.state.messages[msg.id]))


async def test_a_batched_checkin_whose_response_was_lost_is_not_sent_again(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 3)
    dm = nworld.discord.state.open_dm(mentor.persona.id)
    nworld.discord.faults.lose_response_next("status", method="POST", path_contains=f"/channels/{dm.id}/messages")
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")  # the check-in reached the mentor; the bot never heard back
    nworld.clock.advance(timedelta(minutes=10))
    await nworld.bot.tick("nudge-dispatch")
    nworld.clock.advance(timedelta(minutes=10))
    await nworld.bot.tick("nudge-dispatch")
    assert len(dms_of(mentor.persona)) == 1
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.status for r in rows] == ["sent"] * 3
    assert {r.message_id for r in rows} == {mentor.persona.dms()[0].id}


async def test_two_processes_send_a_mentors_checkin_once(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 4)
    service = nworld.bot.services.nudges
    one = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    two = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    one.batch = two.batch = 1  # each claims one nudge at a time: the mentor's others come as companions
    nworld.clock.advance(timedelta(days=3))
    await asyncio.gather(one.run(), two.run())
    assert len(dms_of(mentor.persona)) == 1
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.status for r in rows] == ["sent"] * 4


async def test_a_pair_with_goals_carries_its_goal_progress_in_the_mentors_one_checkin(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 3)
    await nworld.bot.services.goals.set_goals(pairs[1].match_id, pairs[1].mentee.persona.id, ["Plan a winter route"])
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")
    assert len(dms_of(mentor.persona)) == 1
    msg = mentor.persona.dms()[0]
    buttons = [c for row in msg.components for c in row.get("components", []) if c.get("type") == 2]
    assert [b["custom_id"] for b in buttons] == [f"goals:progress:{pairs[1].match_id}"]
    assert "Leader 02" in buttons[0]["label"] and len(msg.components) <= 5


async def test_a_mentor_with_closed_dms_gets_each_checkin_in_its_own_pairs_space(nworld: SandboxWorld) -> None:
    mentor = await add_member(nworld, "Mentor Closed", "Europe/London", dms_open=False)
    pairs = []
    for i in range(2):
        mentee = await add_member(nworld, f"Leader {i + 1:02d}", "Europe/London")
        pairs.append(await add_pair(nworld, mentor, mentee, space=True))
    for p in pairs:
        await nworld.bot.services.nudges.plan_match(p.match_id)
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")  # one check-in tried in their DMs: closed
    nworld.clock.advance(timedelta(minutes=6))
    await nworld.bot.tick("nudge-dispatch")
    for p in pairs:  # each pairing's check-in in its own space, naming only that pair
        assert p.space is not None
        posted = [m for m in nworld.discord.state.messages.values()
                  if m.channel_id == p.space.id and "ref:n" in m.content and f"<@{mentor.persona.id}>" in m.content]
        assert len(posted) == 1 and p.mentee.persona.name in posted[0].content
        other = next(q for q in pairs if q is not p)
        assert other.mentee.persona.name not in posted[0].content
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert [r.status for r in rows] == ["sent", "sent"]


async def test_a_note_on_one_pairing_of_a_mentors_checkin_reaches_the_organisers(nworld: SandboxWorld) -> None:
    mentor, pairs = await _mentor_with(nworld, 2)
    nworld.clock.advance(timedelta(days=3))
    await nworld.bot.tick("nudge-dispatch")
    msg = mentor.persona.dms()[0]
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    opened = await mentor.persona.choose("Add a note for the organisers", custom_id=f"checkin:{rows[1].id}",
                                         message=msg)
    assert opened.modal is not None  # the modal is the first response: nothing waits on the database
    saved = await mentor.persona.submit_modal({"Your note": "Leader 02 is moving to another club"})
    await saved.wait_answer()
    await nworld.discord.state.wait_for(lambda: any("Leader 02 is moving" in p for p in organiser_posts(nworld)), 5)
    rows = await _day3_rows(nworld, pairs, mentor.person_id)
    assert rows[1].note == "Leader 02 is moving to another club" and rows[0].note is None
