"""A pause ends when it says it will: the person is back in matching, told in their daytime, and may take
longer with one click."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.models import PersonStatus
from storage.queries import people
from tests.support.organisers import MENTEE_INTERVIEW, slash

pytestmark = pytest.mark.e2e


async def status_of(world: SandboxWorld, user_id: int) -> tuple[PersonStatus, object]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=user_id)
    assert person is not None
    return person.status, person.paused_until


async def test_a_one_week_pause_ends_after_a_week_and_can_be_extended(world: SandboxWorld) -> None:
    guild = world.guild
    assert guild is not None
    ada = world.person("Ada")
    await ada.join(guild)
    await run_interview(ada, world.bot.services.programmes.all()[0].questions, MENTEE_INTERVIEW)
    paused = await slash(ada, guild, "pause", options={"weeks": 1})
    await paused.wait_answer()
    assert (await status_of(world, ada.id))[0] == PersonStatus.PAUSED
    seen = len(ada.dms())

    world.clock.advance(timedelta(days=3))
    await world.bot.tick("pause-expiry")
    assert (await status_of(world, ada.id))[0] == PersonStatus.PAUSED and len(ada.dms()) == seen  # not yet

    world.clock.advance(timedelta(days=4, hours=1))  # a week and an hour on (09:00 → 10:00 London)
    await world.bot.tick("pause-expiry")
    status, until = await status_of(world, ada.id)
    assert status == PersonStatus.ACTIVE and until is None
    told = ada.dms()[seen:]
    assert len(told) == 1 and "break" in told[0].content
    await world.bot.tick("pause-expiry")
    assert len(ada.dms()) == seen + 1  # told once

    extended = await ada.click("Pause 2 more weeks", message=told[0])
    assert "enjoy the break" in extended.content
    status, until = await status_of(world, ada.id)
    assert status == PersonStatus.PAUSED and until is not None
