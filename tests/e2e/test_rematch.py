"""Someone left without a partner is offered a new one: told in the programme's voice whether the next
scheduled matching includes them (rolling intake) or they are kept for the next round, and the organisers'
notice about the ended match has "Find a new partner" (one click: a proposal with its reasons, then Confirm)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.discord import Message
from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.models import Person
from storage.queries import matching as mq
from tests.support.database import drop_test_schema
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


async def onboard(world: SandboxWorld, name: str, answers: dict[str, object]) -> Persona:
    assert world.guild is not None
    persona = world.person(name)
    await persona.join(world.guild)
    log = await run_interview(persona, world.bot.services.programmes.all()[0].questions, answers)
    assert "profile is saved" in log.last
    return persona


async def active_pairs(world: SandboxWorld) -> set[tuple[str, str]]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        rows = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
        out = set()
        for m in rows:
            names = [await s.get(Person, pid) for pid in (m.mentor_person_id, m.mentee_person_id)]
            out.add((names[0].display_name if names[0] else "?", names[1].display_name if names[1] else "?"))
    return out


async def notice_with_button(world: SandboxWorld) -> Message:
    """The organisers' notice about the ended match (the one with "Find a new partner")."""
    assert world.organisers_channel is not None
    cid = world.organisers_channel.id

    def found() -> list[Message]:
        return [m for m in world.discord.state.messages.values() if m.channel_id == cid and not m.deleted
                and any(c.get("label") == "Find a new partner" for row in m.components
                        for c in row.get("components", []))]

    await world.discord.state.wait_for(lambda: bool(found()), 5)
    return found()[-1]


async def dm_with(world: SandboxWorld, persona: Persona, words: str) -> str:
    seen: list[str] = []

    def told() -> bool:
        seen[:] = [m.content for m in persona.dms() if words in m.content]
        return bool(seen)

    await world.discord.state.wait_for(told, 5)
    return seen[-1]


async def test_an_unpaired_mentee_is_kept_for_the_next_round_and_one_click_finds_them_a_new_mentor(
        world: SandboxWorld) -> None:
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    ed = await onboard(world, "Ed Mentee", dict(MENTEE_INTERVIEW, organisation="Vale"))
    await onboard(world, "Mo Mentor", dict(MENTOR_INTERVIEW, organisation="Hill"))
    await onboard(world, "Kit Keeps", dict(MENTEE_INTERVIEW, organisation="Brook"))
    for mentee in ("Ed Mentee", "Kit Keeps"):
        paired = await slash(olu, guild, "match", "pair", options={"mentor": "Mo Mentor", "mentee": mentee})
        assert "Paired" in paired.content, paired.content
    await world.bot.tick("announce-pairs")
    await onboard(world, "Nia Mentor", dict(MENTOR_INTERVIEW, organisation="Dale", capacity=1))
    ended = await slash(olu, guild, "match", "unpair", options={"mentee": ed, "reason": "timetables clash"})
    assert "Match ended" in ended.content
    told = await dm_with(world, ed, "organisers have ended your pairing")
    assert "keep your place for the next" in told and "new partner for you" in told  # #EduMentoring's voice

    notice = await notice_with_button(world)
    proposed = await (await olu.click("Find a new partner", message=notice)).wait_answer()
    # never Mo again (history), Kit's pair untouched, the reasons shown
    assert "Proposed: **Nia Mentor → Ed Mentee**" in proposed.content, proposed.content
    assert "Why:" in proposed.content and "No existing pair is changed" in proposed.content
    done = await (await olu.click("Confirm", message=proposed.messages[-1])).wait_answer()
    assert "✅ Paired" in done.content, done.content
    await world.bot.tick("announce-pairs")
    assert await active_pairs(world) == {("Mo Mentor", "Kit Keeps"), ("Nia Mentor", "Ed Mentee")}
    assert "Nia Mentor" in await dm_with(world, ed, "paired")
    again = await (await olu.click("Confirm", message=proposed.messages[-1])).wait_answer()
    assert "Not paired" in again.content, "a second Confirm makes no second match"


async def test_when_nobody_fits_the_organisers_are_told_kindly_why(world: SandboxWorld) -> None:
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    ed = await onboard(world, "Ed Mentee", dict(MENTEE_INTERVIEW, organisation="Vale"))
    await onboard(world, "Mo Mentor", dict(MENTOR_INTERVIEW, organisation="Hill"))
    await slash(olu, guild, "match", "pair", options={"mentor": "Mo Mentor", "mentee": "Ed Mentee"})
    await world.bot.tick("announce-pairs")
    await slash(olu, guild, "match", "unpair", options={"mentee": ed})
    notice = await notice_with_button(world)
    answer = await (await olu.click("Find a new partner", message=notice)).wait_answer()
    assert "Nobody fits right now" in answer.content and "next matching" in answer.content
    assert not any(c for m in answer.messages for c in m.components), "nothing to confirm"


async def test_only_organisers_can_use_find_a_new_partner(world: SandboxWorld) -> None:
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    ed = await onboard(world, "Ed Mentee", dict(MENTEE_INTERVIEW, organisation="Vale"))
    await onboard(world, "Mo Mentor", dict(MENTOR_INTERVIEW, organisation="Hill"))
    await slash(olu, guild, "match", "pair", options={"mentor": "Mo Mentor", "mentee": "Ed Mentee"})
    await slash(olu, guild, "match", "unpair", options={"mentee": ed})
    notice = await notice_with_button(world)
    refused = await ed.click("Find a new partner", message=notice)
    assert "Only this programme's organisers" in refused.content


@pytest.fixture
async def rolling_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, programme_overrides={
        "rhythm": {"mode": "rolling", "every_days": 7, "auto_confirm": True}})
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_with_rolling_intake_a_mentee_whose_mentor_left_is_back_in_the_pool_and_matched_next_run(
        rolling_world: SandboxWorld) -> None:
    world = rolling_world
    guild = world.guild
    assert guild is not None
    ed = await onboard(world, "Ed Mentee", dict(MENTEE_INTERVIEW, organisation="Vale"))
    mo = await onboard(world, "Mo Mentor", dict(MENTOR_INTERVIEW, organisation="Hill"))
    await world.bot.tick("rolling-intake")
    assert await active_pairs(world) == {("Mo Mentor", "Ed Mentee")}
    asked = await slash(mo, guild, "leave")
    await (await mo.click("Yes, delete my data", message=asked.messages[0])).wait_answer()
    told = await dm_with(world, ed, "decided to leave")
    assert "back in the" in told and "pool" in told and "next matching" in told
    await onboard(world, "Nia Mentor", dict(MENTOR_INTERVIEW, organisation="Dale"))
    world.clock.advance(timedelta(days=7))
    await world.bot.tick("rolling-intake")
    assert await active_pairs(world) == {("Nia Mentor", "Ed Mentee")}
