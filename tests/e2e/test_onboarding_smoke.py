from __future__ import annotations

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.queries import people

pytestmark = pytest.mark.e2e

MENTOR = {
    "role": "mentor", "phase": ["secondary"], "subjects": ["maths", "physics"], "stage": "senior-leader",
    "timezone": "London", "availability": ["weekday-evenings"], "goals": ["behaviour", "planning"],
    "capacity": 2, "organisation": "Hill School", "consent": True,
}


async def test_a_persona_completes_the_edumentoring_interview(world: SandboxWorld) -> None:
    amara = world.person("Amara")
    assert world.guild is not None
    await amara.join(world.guild)
    programme = world.bot.services.programmes.all()[0]
    log = await run_interview(amara, programme.questions, MENTOR)
    assert "profile is saved" in log.last
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=amara.id)
        assert person is not None and person.status == "active"
        profile = await people.get_profile(session=s, person_id=person.id or 0, programme_id=programme.id)
        assert profile is not None
        assert profile.answers["timezone"] == "Europe/London"
        assert profile.answers["capacity"] == 2
