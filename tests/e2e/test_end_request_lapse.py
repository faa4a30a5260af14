"""An "End this match" request whose partner never answers resolves after the programme's limit: the match
ends through the one end-of-match path and both people are told; a "keep going" answer stops it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from storage.models import MatchStatus
from storage.queries import matching
from tests.support.pairs import make_pair, organiser_posts

pytestmark = pytest.mark.e2e


async def _status(nworld: SandboxWorld, match_id: int) -> MatchStatus:
    async with nworld.bot.sessions() as s:
        match = await matching.get_match(session=s, match_id=match_id)
    assert match is not None
    return match.status


async def test_an_unanswered_end_request_ends_the_match_after_the_limit_and_both_are_told(
    nworld: SandboxWorld,
) -> None:
    days = nworld.bot.services.programmes.all()[0].config.messages().end_request_days
    pair = await make_pair(nworld, "L", space=True)
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    nworld.clock.advance(timedelta(days=3.01))
    await nworld.bot.tick("nudge-dispatch")
    await pair.mentor.persona.click("End this match", message=await pair.mentor.persona.next_dm())
    nworld.clock.advance(timedelta(days=days - 1))
    await nworld.bot.tick("end-requests")
    assert await _status(nworld, pair.match_id) == MatchStatus.ACTIVE  # still waiting for the partner
    nworld.clock.advance(timedelta(days=1, hours=1))
    await nworld.bot.tick("end-requests")
    assert await _status(nworld, pair.match_id) == MatchStatus.ENDED
    mentee_told = [m.content for m in pair.mentee.persona.dms() if "no answer within" in m.content]
    mentor_told = [m.content for m in pair.mentor.persona.dms() if "has gone through" in m.content]
    assert len(mentee_told) == 1 and f"{days} days" in mentee_told[0]
    assert len(mentor_told) == 1
    assert any("did not answer in time" in p for p in organiser_posts(nworld))
    await nworld.bot.tick("end-requests")
    assert len([m for m in pair.mentee.persona.dms() if "no answer within" in m.content]) == 1


async def test_a_partner_who_wants_to_keep_going_stops_the_request_lapsing(nworld: SandboxWorld) -> None:
    days = nworld.bot.services.programmes.all()[0].config.messages().end_request_days
    pair = await make_pair(nworld, "M")
    await nworld.bot.services.nudges.plan_match(pair.match_id)
    nworld.clock.advance(timedelta(days=3.01))
    await nworld.bot.tick("nudge-dispatch")
    await pair.mentor.persona.click("End this match", message=await pair.mentor.persona.next_dm())
    await pair.mentee.persona.next_dm()
    ask = await pair.mentee.persona.next_dm()
    await pair.mentee.persona.click("No, let's keep going", message=ask)
    nworld.clock.advance(timedelta(days=days + 1))
    await nworld.bot.tick("end-requests")
    assert await _status(nworld, pair.match_id) == MatchStatus.ACTIVE
