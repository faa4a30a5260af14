"""Mentors and mentees of a programme written straight to storage, for the circle and events tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.queries import people
from tests.support.database import drop_test_schema
from tests.support.pairs import Member, add_member
from tests.support.world import make_world


@pytest.fixture(name="world")
async def events_world_fixture(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """A RunTogether world whose bot runs the events and mentor-circle cogs (import it to use ``world``)."""
    w, schema = await make_world(tmp_path_factory, preset="runtogether", extensions=["cogs.events", "cogs.circle"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def add_with_role(world: SandboxWorld, name: str, role: str, zone: str = "Europe/London",
                        **answers: Any) -> Member:
    """A member of the programme whose profile says ``role`` (mentor, mentee…), living in ``zone``."""
    member = await add_member(world, name, zone)
    await set_role(world, member, role, **answers)
    return member


async def set_role(world: SandboxWorld, member: Member, role: str, **answers: Any) -> None:
    """The member changes their role in their profile (as ``/profile edit`` would store it)."""
    programme = world.bot.services.programmes.all()[0]
    now = world.clock.now()
    async with transaction(world.bot.sessions) as s:
        await people.upsert_profile(session=s, person_id=member.person_id, programme_id=programme.id,
                                    answers={"timezone": member.zone, "role": role, "capacity": 3, **answers},
                                    consent_at=now, now=now)
