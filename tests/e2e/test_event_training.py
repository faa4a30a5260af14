"""Libraries Connected's cohort training: an in-person training event for the current round; marking who
attended records the round's prerequisite for them (so matching counts them as ready), and only for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.sandbox.world import SandboxWorld
from storage.queries import rounds
from tests.support.community import add_with_role
from tests.support.database import drop_test_schema
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, preset="libraries", extensions=["cogs.events"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_attending_cohort_training_satisfies_the_rounds_prerequisite(world: SandboxWorld) -> None:
    assert world.organiser is not None and world.guild is not None
    programme = world.bot.services.programmes.all()[0]
    await world.bot.services.rounds.open(programme, "Cohort 3", ["training"], opens_on=None, closes_on=None,
                                         actor=None)
    came = await add_with_role(world, "Hana Head", "mentee")
    missed = await add_with_role(world, "Ian Emerging", "mentee")
    created = await world.organiser.slash("event", "create", options={
        "title": "Cohort 3 training", "kind": "training", "date": "2026-09-15", "time": "09:30", "hours": 3,
        "place": "Leeds Central Library", "audience": "round", "prerequisite": "training",
        "timezone": "Europe/London"})
    await created.wait_answer()
    assert "Created **Cohort 3 training**" in created.content
    (discord_event,) = world.guild.scheduled_events.values()
    assert discord_event.location == "Leeds Central Library" and discord_event.entity_type == 3

    early = await world.organiser.slash("event", "attendance", options={"event": 1, "member": came.persona.user})
    await early.wait_answer()
    assert "once the event has started" in early.content

    world.clock.advance_to(datetime(2026, 9, 15, 12, 0, tzinfo=UTC))
    await world.bot.tick("event-run")
    marked = await world.organiser.slash("event", "attendance", options={"event": 1, "member": came.persona.user})
    await marked.wait_answer()
    assert "now counts for the round" in marked.content
    async with world.bot.sessions() as s:
        done = await rounds.done_by_person(session=s, programme_id=programme.id)
    assert done.get(came.person_id) == {"training"}
    assert missed.person_id not in done
