"""The mentor circle follows who mentors: a private channel that mentors, organisers and the coach role see and
nobody else; people move in and out as their profile role, their matches and their membership change; after a
restart the bot catches up on what changed while it was away."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.discord import Channel
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.queries import matching
from tests.support.community import add_with_role, set_role
from tests.support.database import drop_test_schema
from tests.support.organisers import slash
from tests.support.pairs import add_pair
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def _world(tmp_path_factory: pytest.TempPathFactory, preset: str,
                 **overrides: object) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, preset=preset, extensions=["cogs.circle"],
                                 programme_overrides=overrides or None)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


@pytest.fixture
async def runtogether(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    async for w in _world(tmp_path_factory, "runtogether"):
        yield w


@pytest.fixture
async def libraries(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    async for w in _world(tmp_path_factory, "libraries", circle={"active_mentors_only": True}):
        yield w


def circle_of(world: SandboxWorld) -> Channel:
    assert world.guild is not None
    found = [c for c in world.discord.state.channels.values()
             if c.guild_id == world.guild.id and (c.topic or "").endswith("ref circle-1")]
    assert len(found) == 1, "exactly one circle channel"
    return found[0]


async def sync(world: SandboxWorld) -> None:
    await world.bot.tick("circle-sync")


async def test_runtogether_circle_admits_mentors_through_the_managed_role(runtogether: SandboxWorld) -> None:
    world = runtogether
    assert world.guild is not None and world.organiser is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    bo = await add_with_role(world, "Bo Mentor", "mentor")
    cy = await add_with_role(world, "Cy Leader", "mentee")
    await sync(world)

    circle = circle_of(world)
    state = world.discord.state
    mentors_role = next(r for r in state.roles.values() if r.guild_id == world.guild.id and r.name == "Mentors")
    assert ana.persona.can_see(circle.id) and bo.persona.can_see(circle.id)
    assert world.organiser.can_see(circle.id)
    assert not cy.persona.can_see(circle.id)
    assert {u for u, m in world.guild.members.items() if mentors_role.id in m.roles} == {ana.persona.id, bo.persona.id}
    assert set(circle.overwrites) >= {mentors_role.id}
    assert not any(o.type == 1 and o.id in (ana.persona.id, bo.persona.id) for o in circle.overwrites.values())
    welcome = [m for m in state.messages.values() if m.channel_id == circle.id]
    assert len(welcome) == 1 and "circle" in welcome[0].content

    # Cy starts mentoring, Ana stops: the next sync follows their profiles
    await set_role(world, cy, "mentor")
    await set_role(world, ana, "mentee")
    await sync(world)
    assert cy.persona.can_see(circle.id) and not ana.persona.can_see(circle.id)

    # a sync with nothing changed writes nothing
    before = len(world.discord.log.requests("PUT")) + len(world.discord.log.requests("DELETE"))
    await sync(world)
    assert len(world.discord.log.requests("PUT")) + len(world.discord.log.requests("DELETE")) == before
    assert circle_of(world).id == circle.id  # found again by its marker, not created twice


async def test_after_a_restart_the_circle_catches_up(runtogether: SandboxWorld) -> None:
    world = runtogether
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    await sync(world)
    circle = circle_of(world)
    assert ana.persona.can_see(circle.id)

    dee = await add_with_role(world, "Dee Mentor", "mentor")  # written while the circle did not look
    await set_role(world, ana, "mentee")
    await world.restart()
    await world.discord.state.wait_for(lambda: dee.persona.can_see(circle.id) and not ana.persona.can_see(circle.id),
                                       timeout=10)


async def test_libraries_circle_uses_member_overwrites_and_follows_the_last_match(libraries: SandboxWorld) -> None:
    world = libraries
    assert world.guild is not None and world.organiser is not None
    coach_role = world.discord.create_role(world.guild, "Coach")
    coach = world.person("Cass Coach")
    await coach.join(world.guild, roles=[coach_role])
    mentor = await add_with_role(world, "Hana Head", "mentor")
    idle = await add_with_role(world, "Ian Idle", "mentor")
    mentee = await add_with_role(world, "Eve Emerging", "mentee")
    pair = await add_pair(world, mentor, mentee)
    await sync(world)

    circle = circle_of(world)
    assert mentor.persona.can_see(circle.id) and coach.can_see(circle.id) and world.organiser.can_see(circle.id)
    assert not idle.persona.can_see(circle.id), "active mentors only: no match, not in the circle"
    assert not mentee.persona.can_see(circle.id)
    assert any(o.type == 1 and o.id == mentor.persona.id for o in circle.overwrites.values())
    assert not any(r.name == "Mentors" for r in world.discord.state.roles.values())

    async with transaction(world.bot.sessions) as s:
        await matching.end_match(session=s, match_id=pair.match_id, reason="completed", now=world.clock.now())
    await sync(world)
    assert not mentor.persona.can_see(circle.id)
    assert not any(o.type == 1 and o.id == mentor.persona.id for o in circle.overwrites.values())


async def test_leaving_the_server_or_the_programme_leaves_the_circle(runtogether: SandboxWorld) -> None:
    world = runtogether
    assert world.guild is not None
    ana = await add_with_role(world, "Ana Mentor", "mentor")
    bo = await add_with_role(world, "Bo Mentor", "mentor")
    await sync(world)
    circle = circle_of(world)
    await ana.persona.leave()
    programme = world.bot.services.programmes.all()[0]
    await world.bot.services.people.leave(programme, bo.persona.id)  # /leave: their data erased
    await sync(world)
    assert not bo.persona.can_see(circle.id)
    assert ana.persona.id not in world.guild.members
    mentors_role = next(r for r in world.discord.state.roles.values() if r.name == "Mentors")
    assert not any(mentors_role.id in m.roles for m in world.guild.members.values())


async def test_an_overwrite_whose_answer_was_lost_still_brings_every_mentor_in_once(libraries: SandboxWorld) -> None:
    world = libraries
    hana = await add_with_role(world, "Hana Head", "mentor")
    await add_pair(world, hana, await add_with_role(world, "Eve Emerging", "mentee"))
    await sync(world)  # the circle exists, Hana in it
    circle = circle_of(world)
    omar = await add_with_role(world, "Omar Owl", "mentor")
    pia = await add_with_role(world, "Pia Pike", "mentor")
    for mentor, name in ((omar, "Finn Fresh"), (pia, "Gus Green")):
        await add_pair(world, mentor, await add_with_role(world, name, "mentee"))

    # Omar's write is applied by Discord but its answer never comes back (the connection drops)
    world.discord.faults.lose_response_next("drop", method="PUT", path_contains=f"/channels/{circle.id}/permissions/")
    await sync(world)
    await sync(world)  # a later run compares with Discord and has nothing left to write
    members = {o.id for o in circle.overwrites.values() if o.type == 1 and o.id != world.discord.bot_user.id}
    assert members == {hana.persona.id, omar.persona.id, pia.persona.id}, "each mentor in the circle, once"
    puts = [r for r in world.discord.log.requests(method="PUT") if f"/channels/{circle.id}/permissions/" in r.path]
    writes = [r.path.rsplit("/", 1)[1] for r in puts]
    # one write each, and discord.py's one retry of the dropped connection (PUT is idempotent); the later run
    # found Discord already right and wrote nothing
    assert sorted(writes) == sorted(str(p.persona.id) for p in (hana, omar, omar, pia)), writes


async def test_leave_takes_a_mentor_out_of_the_circle_at_once(tmp_path_factory: pytest.TempPathFactory) -> None:
    """/leave (the button) removes their access to the circle straight away, not at the next periodic run."""
    w, schema = await make_world(tmp_path_factory, preset="runtogether", extensions=["cogs.circle", "cogs.profiles"])
    try:
        assert w.guild is not None
        bo = await add_with_role(w, "Bo Mentor", "mentor")
        await sync(w)
        circle = circle_of(w)
        assert bo.persona.can_see(circle.id)
        asked = await slash(bo.persona, w.guild, "leave")
        await (await bo.persona.click("Yes, delete my data", message=asked.messages[0])).wait_answer()
        await w.discord.state.wait_for(lambda: not bo.persona.can_see(circle.id), 5)
    finally:
        await w.stop()
        await drop_test_schema(schema)
