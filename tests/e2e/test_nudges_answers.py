from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from storage.queries import matching
from storage.queries import nudges as nq
from tests.support.database import drop_test_schema
from tests.support.pairs import (
    Pair,
    make_pair,
    organiser_posts,
)
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def _advance_and_dispatch(nworld: SandboxWorld, days: float) -> None:
    nworld.clock.advance(timedelta(days=days))
    await nworld.bot.tick("nudge-dispatch")


async def test_a_click_on_an_old_checkin_after_a_restart_still_counts(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "R")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    msg = await pair.mentor.persona.next_dm()
    await nworld.restart()
    reply = await pair.mentor.persona.click("We've met", message=msg)
    assert "noted" in reply.content
    async with nworld.bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
    assert [r.answer for r in rows if r.message_id == msg.id] == ["met"]


async def test_someone_else_cannot_answer_a_checkin(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "X")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    msg = await pair.mentor.persona.next_dm()
    stranger = nworld.person("Stranger")
    assert nworld.guild is not None
    await stranger.join(nworld.guild)
    reply = await stranger.click("We've met", message=msg)
    assert "someone else" in reply.content


async def _two_not_yets(nworld: SandboxWorld, name: str) -> Pair:
    pair = await make_pair(nworld, name)
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    await pair.mentee.persona.click("Not yet", message=await pair.mentee.persona.next_dm())
    assert not any("not yet" in p.lower() for p in organiser_posts(nworld))
    await _advance_and_dispatch(nworld, 11)
    await pair.mentor.persona.next_dm()  # the day-3 one
    week2 = await pair.mentor.persona.next_dm()
    assert "How are things" in week2.content
    await pair.mentor.persona.click("Not yet", message=week2)
    return pair


async def test_not_yet_twice_tells_the_organisers_with_the_pairs_history_where_the_programme_chases_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    nworld, schema = await make_world(tmp_path_factory, extensions=["cogs.nudges"],
                                      programme_overrides={"voice": {"not_yet_escalate_after": 2}})
    try:
        pair = await _two_not_yets(nworld, "N")
        post = await _wait_post(nworld, "not yet")
        # each step by the name the programme gives it, never its raw key
        assert "History:" in post and "Day 3: have you met?" in post and "Week 2 hello" in post
        assert "day3-met" not in post and "week2-checkin" not in post
        assert f"<@{pair.mentor.persona.id}>" in post
    finally:
        await nworld.stop()
        await drop_test_schema(schema)


async def test_edumentoring_asks_for_patience_so_two_not_yets_reach_no_organiser(nworld: SandboxWorld) -> None:
    pair = await _two_not_yets(nworld, "P")
    await pair.mentor.persona.next_dm(include_responses=True)
    await nworld.bot.tick("nudge-dispatch")
    assert not any("not yet" in p.lower() for p in organiser_posts(nworld))


async def _wait_post(nworld: SandboxWorld, needle: str) -> str:
    """The organisers' post containing ``needle`` (waits for it)."""
    def found() -> str | None:
        return next((p for p in organiser_posts(nworld) if needle in p), None)

    post: str = await nworld.discord.state.wait_for(found, 5)
    return post


async def test_we_need_help_reaches_the_organisers_at_once(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "H")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    reply = await pair.mentor.persona.click("We need help", message=await pair.mentor.persona.next_dm())
    assert "organisers" in reply.content
    post = await _wait_post(nworld, "asked for help")
    assert f"<@{pair.mentor.persona.id}>" in post


async def test_ending_a_match_asks_the_partner_then_ends_archives_and_tells_the_mentee(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "E", space=True)
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    await pair.mentor.persona.click("End this match", message=await pair.mentor.persona.next_dm())
    await pair.mentee.persona.next_dm()  # the mentee's own day-3 check-in
    ask = await pair.mentee.persona.next_dm()
    assert "asked to end" in ask.content
    done = await pair.mentee.persona.click("Yes, end our match", message=ask)
    assert "ended" in done.content
    told = await pair.mentee.persona.next_dm()
    assert "as you both agreed" in told.content and "new partner" in told.content
    assert any("as you both agreed" in m.content for m in pair.mentor.persona.dms()), "the mentor was not told"
    async with nworld.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=pair.match_id)
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
    assert match is not None and match.status == "ended"
    assert not [r for r in rows if r.status == "pending"]
    space = pair.space
    assert space is not None
    state = nworld.discord.state
    await state.wait_for(lambda: space.name.startswith("ended-"), 5)
    assert not any(state.can_view(m.persona.id, space) for m in pair.members), "the pair still see their channel"
    again = await pair.mentee.persona.click("Yes, end our match", message=ask)
    assert "already ended" in again.content
    await _wait_post(nworld, "ended: both agreed")
    assert sum("ended: both agreed" in p for p in organiser_posts(nworld)) == 1, "the organisers heard twice"


async def test_keep_going_tells_the_organisers_the_two_disagree(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "K")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    await pair.mentee.persona.click("End this match", message=await pair.mentee.persona.next_dm())
    await pair.mentor.persona.next_dm()
    ask = await pair.mentor.persona.next_dm()
    await pair.mentor.persona.click("No, let's keep going", message=ask)
    await _wait_post(nworld, "would like to keep going")
    async with nworld.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=pair.match_id)
    assert match is not None and match.status == "active"


async def test_a_note_is_stored_and_passed_to_the_organisers(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "M")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    await _advance_and_dispatch(nworld, 3.01)
    msg = await pair.mentee.persona.next_dm()
    opened = await pair.mentee.persona.click("Add a note", message=msg)
    assert opened.modal is not None
    field = opened.modal["components"][0]["components"][0]["custom_id"]
    reply = await pair.mentee.persona.submit_modal({field: "We meet on Tuesdays"})
    assert "passed your note" in reply.content
    await _wait_post(nworld, "We meet on Tuesdays")
    from storage.queries import nudges as nq

    async with nworld.bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
    assert [r.note for r in rows if r.note] == ["We meet on Tuesdays"]
