"""A paused person is left alone by events: no reminders and no "starting now" link while paused — a reminder
already planned is not sent, and one whose event happens during the pause never comes. When the pause ends
before the event, the reminder whose window is still open comes once, in their daytime (the ones missed
during the pause are not caught up)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.queries import events as q
from tests.e2e.test_events import at, create_dev_day, reminders
from tests.support.community import add_with_role, events_world_fixture  # noqa: F401  (the world fixture)

pytestmark = pytest.mark.e2e

T = datetime


def event_messages(p: Persona) -> list[str]:
    return [m.content for m in p.dms() if "ref:ev" in m.content]


async def test_a_paused_person_gets_no_event_messages_when_the_event_falls_in_their_pause(world: SandboxWorld) -> None:
    assert world.guild is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    bo = await add_with_role(world, "Bo Mentor", "mentor", zone="Pacific/Auckland")  # interested, then pauses
    discord_id = await create_dev_day(world)  # Saturday 19 September, 10:00 in London
    for p in (ana, bo):
        p.persona.mark_interested(discord_id)
    await world.discord.state.wait_for(lambda: True, 0.01)
    programme = world.bot.services.programmes.all()[0]

    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))  # the 7-day reminders: Bo's waits for his morning …
    assert len(reminders(ana.persona)) == 1 and reminders(bo.persona) == []
    world.clock.advance_to(T(2026, 9, 12, 10, 0, tzinfo=UTC))
    await world.bot.services.people.pause(programme, bo.persona.id, 1)  # … and he pauses before it: to the 19th
    await at(world, T(2026, 9, 12, 20, 0, tzinfo=UTC))  # 08:00 in Auckland: his planned reminder is not sent
    for when in (T(2026, 9, 18, 9, 0, tzinfo=UTC), T(2026, 9, 18, 20, 0, tzinfo=UTC), T(2026, 9, 19, 8, 0, tzinfo=UTC),
                 T(2026, 9, 19, 9, 0, tzinfo=UTC)):
        await at(world, when)
    assert len(reminders(ana.persona)) == 3 and any("starting now" in m.content for m in ana.persona.dms())
    assert event_messages(bo.persona) == [], "a paused person was reminded of an event during their pause"
    async with world.bot.sessions() as s:
        rows = await q.messages_of_person(session=s, person_id=bo.person_id)
    assert [(m.point, m.status) for m in rows] == [("7d", "cancelled")], "nothing more planned while paused"


async def test_a_pause_over_before_the_event_brings_the_open_reminder_once_and_not_the_missed_ones(
        world: SandboxWorld) -> None:
    assert world.guild is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    bo = await add_with_role(world, "Bo Mentor", "mentor", zone="Pacific/Auckland")
    discord_id = await create_dev_day(world)
    for p in (ana, bo):
        p.persona.mark_interested(discord_id)
    await world.discord.state.wait_for(lambda: True, 0.01)
    programme = world.bot.services.programmes.all()[0]

    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))  # Bo's 7-day reminder is planned for his morning …
    world.clock.advance_to(T(2026, 9, 12, 10, 0, tzinfo=UTC))
    await world.bot.services.people.pause(programme, bo.persona.id, 1)
    await at(world, T(2026, 9, 12, 20, 0, tzinfo=UTC))  # … not sent while he is paused
    assert event_messages(bo.persona) == []
    world.clock.advance_to(T(2026, 9, 13, 9, 0, tzinfo=UTC))
    assert await world.bot.services.people.resume(programme, bo.persona.id)  # back early, the window still open
    await at(world, T(2026, 9, 13, 9, 5, tzinfo=UTC))  # 21:05 in Auckland: it waits for his daytime
    assert event_messages(bo.persona) == []
    await at(world, T(2026, 9, 13, 20, 0, tzinfo=UTC))
    assert len(reminders(bo.persona)) == 1, "the reminder due when he came back did not come (once)"
    await at(world, T(2026, 9, 14, 20, 0, tzinfo=UTC))
    assert len(reminders(bo.persona)) == 1


async def test_a_pause_that_ran_out_brings_only_the_reminder_whose_window_is_open(world: SandboxWorld) -> None:
    assert world.guild is not None
    bo = await add_with_role(world, "Bo Mentor", "mentor")
    discord_id = await create_dev_day(world)
    bo.persona.mark_interested(discord_id)
    await world.discord.state.wait_for(lambda: True, 0.01)
    programme = world.bot.services.programmes.all()[0]
    await world.bot.services.people.pause(programme, bo.persona.id, 1)  # from 7 to 14 September

    await at(world, T(2026, 9, 12, 9, 0, tzinfo=UTC))  # the 7-day point opens during the pause: nothing
    assert event_messages(bo.persona) == []
    world.clock.advance_to(T(2026, 9, 14, 9, 30, tzinfo=UTC))
    assert [o.discord_user_id for o in await world.bot.services.pauses.end_due(programme)] == [bo.persona.id]
    await at(world, T(2026, 9, 14, 9, 35, tzinfo=UTC))  # back, the 7-day window still open: it comes now
    assert len(reminders(bo.persona)) == 1
    for when in (T(2026, 9, 18, 9, 0, tzinfo=UTC), T(2026, 9, 19, 8, 0, tzinfo=UTC)):
        await at(world, when)
    assert len(reminders(bo.persona)) == 3, "after the pause, the later points as usual (each once)"
