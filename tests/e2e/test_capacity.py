"""A mentor's capacity follows the programme's config: RunTogether mentors may support a dozen new leaders. An
answer outside the programme's bound is refused at the interview with a clear re-ask; a capacity of 12 is
matched end to end, and the mentor then gets one check-in for all twelve."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import PersonStatus
from storage.queries import matching as mq
from storage.queries import people as pq
from tests.support.database import drop_test_schema
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def run_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, preset="runtogether")
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


def runner(role: str, club: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "experience": "coach" if role == "mentor" else "not-yet", "group_size": "10-25",
            "location": "north-east", "pace": ["steady"], "goals": ["routes", "safety"], "timezone": "London",
            "availability": ["weekends"], "organisation": club, "consent": True, **extra}


async def test_a_runtogether_mentor_with_capacity_12_is_matched_with_twelve_leaders(run_world: SandboxWorld) -> None:
    world = run_world
    assert world.guild is not None and world.organiser is not None
    questions = world.bot.services.programmes.all()[0].questions
    mentor = world.person("Nell")
    await mentor.join(world.guild)
    log = await run_interview(mentor, questions, runner("mentor", "Tyne", capacity=12),
                              wrong_answers={"capacity": "20"}, timeout=30)
    assert "profile is saved" in log.last
    reask = [m.content for m in mentor.dms() if "20 is above" in m.content]
    assert reask and "Type a whole number from 1 to 15" in reask[0]

    first = world.person("Leader 01")
    await first.join(world.guild)
    assert "profile is saved" in (await run_interview(first, questions, runner("mentee", "Club 1"), timeout=30)).last
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await pq.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=first.id)
        assert person is not None and person.id is not None
        stored = await pq.get_profile(session=s, person_id=person.id, programme_id=programme.id)
        assert stored is not None
    for i in range(2, 14):  # twelve more leaders with the same answers as stored, each from their own club
        persona = world.person(f"Leader {i:02d}")
        await persona.join(world.guild)
        await persona.next_dm(timeout=20)  # the bot has them on record and starts its interview …
        async with transaction(world.bot.sessions) as s:  # … which they finish with the first leader's answers
            row = await pq.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=persona.id)
            assert row is not None and row.id is not None
            await pq.upsert_profile(session=s, person_id=row.id, programme_id=programme.id,
                                    answers={**stored.answers, "organisation": f"Club {i}"},
                                    consent_at=world.clock.now(), now=world.clock.now())
            await pq.set_person_status(session=s, person_id=row.id, status=PersonStatus.ACTIVE, now=world.clock.now())
    preview = await world.organiser.slash("match", "preview", guild=world.guild)
    assert "Matching preview" in preview.content and "went wrong" not in preview.content
    confirm = await world.organiser.slash("match", "confirm", guild=world.guild)
    assert "pairs confirmed" in confirm.content
    async with world.bot.sessions() as s:
        matches = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
    assert len(matches) == 12 and len({m.mentor_person_id for m in matches}) == 1  # the 13th waits

    await world.bot.tick("announce-pairs")
    world.clock.advance(timedelta(days=3, hours=1))
    await world.bot.tick("nudge-dispatch")
    checkins = [m for m in mentor.dms() if "run leaders" in m.content and "ref:n" in m.content]
    assert len(checkins) == 1 and "12 run leaders" in checkins[0].content
    assert checkins[0].content.count("ref:n") == 12  # one check-in, a pairing each
