from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from storage.queries import nudges as nq
from tests.support.pairs import (
    make_pair,
)

pytestmark = pytest.mark.e2e


async def test_day3_checkin_arrives_with_buttons_and_the_answer_is_stored_once(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "A")
    assert await nworld.bot.services.nudges.plan_match(pair.match_id) > 0
    nworld.clock.advance(timedelta(days=3, minutes=1))
    await nworld.bot.tick("nudge-dispatch")
    msg = await pair.mentee.persona.next_dm()
    assert "Have you two met yet?" in msg.content and "Mentor A" in msg.content
    labels = [c.get("label") for row in msg.components for c in row.get("components", [])]
    assert labels[:4] == ["We've met", "Not yet", "We need help", "End this match"]
    first = await pair.mentee.persona.click("We've met", message=msg)
    assert "noted" in first.content
    again = await pair.mentee.persona.click("Not yet", message=msg)
    assert "already answered" in again.content
    async with nworld.bot.sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=pair.match_id)
    mine = next(r for r in rows if r.person_id == pair.mentee.person_id and r.step_key == "day3-met")
    assert mine.status == "sent" and mine.answer == "met" and mine.answered_at is not None
    assert mine.message_id == msg.id
