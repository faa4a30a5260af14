"""Programmes are fenced for their organisers too: the organiser of programme B (in guild B) who passes
programme A's ids — person numbers and Discord ids in slash-command arguments, lead numbers and codes, forged
button custom_ids, rows of an imported CSV — gets a clear refusal, and nothing of A changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.config import ProgrammeConfig
from bot.sandbox.discord import Guild
from bot.sandbox.people import InteractionResult, Persona
from bot.sandbox.world import SandboxWorld
from bot.services.programmes import Programme
from storage.db import transaction
from storage.models import Lead
from storage.queries import intake, people
from tests.support.database import drop_test_schema
from tests.support.organisers import slash
from tests.support.pairs import Pair, add_member, add_pair
from tests.support.world import make_world

pytestmark = pytest.mark.e2e
PAIR_COGS = ["cogs.intake", "cogs.matching", "cogs.organisers", "cogs.profiles"]


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=PAIR_COGS)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


@dataclass
class Two:
    a: Programme
    b: Programme
    guild_b: Guild
    mallory: Persona  # the owner (so an organiser) of guild B
    pair: Pair  # programme A's active pair
    spare: int  # programme A's person id of a mentor without a mentee
    lead: Lead  # programme A's lead


async def _two(world: SandboxWorld) -> Two:
    a = world.bot.services.programmes.all()[0]
    pair = await add_pair(world, await add_member(world, "Mentor Ada", "Europe/London"),
                          await add_member(world, "Mentee Ben", "Europe/London"))
    spare = await add_member(world, "Mentor Cy", "Europe/London")
    mallory = world.person("Mallory Owner")
    guild_b = world.discord.create_guild("Second cohort", owner=mallory.user)
    world.allow_programmes(guild_b, ("EduMentoring",))
    b = await world.bot.services.programmes.create(ProgrammeConfig(
        key="edu2", name="Second", guild_id=guild_b.id, intake={"hashtags": ["EduMentoring"]}))
    async with transaction(world.bot.sessions) as s:
        lead = await intake.add_lead(session=s, lead=Lead(
            programme_id=a.id, platform="x", author_id="777", author_handle="ada_teaches", author_name="Ada",
            first_post_id="p1", claim_code="EDU-AAAA1"))
    return Two(a, b, guild_b, mallory, pair, spare.person_id, lead)


async def _snapshot(world: SandboxWorld, programme_id: int) -> dict[str, list[Any]]:
    """Every row of programme A (by its programme_id column), to compare before and after."""
    out: dict[str, list[Any]] = {}
    async with world.bot.sessions() as s:
        for table in SQLModel.metadata.sorted_tables:
            if "programme_id" in table.columns:
                rows = await s.exec(select(table).where(table.c.programme_id == programme_id))  # type: ignore[call-overload]
                out[table.name] = sorted((tuple(sorted(r._mapping.items())) for r in rows), key=repr)
    return out


async def _forge_click(world: SandboxWorld, persona: Persona, guild: Guild, custom_id: str) -> InteractionResult:
    """A click on a button with a custom_id of the attacker's choosing, on a bot message in ``guild`` (their own
    ``/audit`` page; discord.py routes a click only to a component the message holds, so it is put there)."""
    page = await slash(persona, guild, "audit")
    message = world.discord.state.messages[page.messages[0].id]
    message.components = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "forged",
                                                      "custom_id": custom_id}]}]
    return await persona.click(custom_id, message=message)


async def _answer(result: InteractionResult) -> str:
    """What the clicker was told: a direct answer, or the answer after a deferral."""
    if result.deferred:
        await result.wait_answer()
    return result.content + " ".join(m.content for m in result.followups)


async def test_person_numbers_and_discord_ids_of_another_programme_name_nobody(world: SandboxWorld) -> None:
    two = await _two(world)
    before = await _snapshot(world, two.a.id)
    ada, ben = two.pair.mentor, two.pair.mentee
    refs = (f"#{ada.person_id}", str(ada.persona.id), f"<@{ada.persona.id}>", "Mentor Ada")
    for ref in refs:
        for command in ("pair", "forbid", "force"):
            got = await slash(two.mallory, two.guild_b, "match", command,
                              options={"mentor": ref, "mentee": f"#{ben.person_id}"})
            assert "I can't tell who that is" in got.content and "Second" in got.content, (command, ref, got.content)
        reminded = await slash(two.mallory, two.guild_b, "match", "remind", options={"person": ref})
        assert "I can't tell who that is" in reminded.content
    ended = await slash(two.mallory, two.guild_b, "match", "unpair", options={"match": two.pair.match_id})
    assert f"no match {two.pair.match_id} in Second" in ended.content
    assert await _snapshot(world, two.a.id) == before
    assert not [m for m in (*ada.persona.dms(), *ben.persona.dms()) if "Mallory" in m.content or "remind" in m.content]


async def test_lead_numbers_and_codes_of_another_programme_are_not_found(world: SandboxWorld) -> None:
    two = await _two(world)
    before = await _snapshot(world, two.a.id)
    for ref in (f"#{two.lead.id}", two.lead.claim_code, "@ada_teaches", "x:ada_teaches"):
        got = await slash(two.mallory, two.guild_b, "leads", "dismiss", options={"lead": ref})
        assert "There is no open lead" in got.content, (ref, got.content)
        merged = await slash(two.mallory, two.guild_b, "leads", "merge",
                             options={"lead_a": ref, "lead_b": f"#{two.lead.id}"})
        assert "Merged" not in merged.content, merged.content
    listed = await slash(two.mallory, two.guild_b, "leads", "list")
    assert "ada_teaches" not in listed.content
    assert await _snapshot(world, two.a.id) == before


async def test_forged_buttons_with_another_programmes_ids_are_refused(world: SandboxWorld) -> None:
    two = await _two(world)
    before = await _snapshot(world, two.a.id)
    mentee, spare = two.pair.mentee.person_id, two.spare
    # B's own programme number with A's people: nobody of B's
    find = await _answer(await _forge_click(world, two.mallory, two.guild_b, f"rematch:find:{two.b.id}:{mentee}:mentee"))
    assert "no longer in this programme" in find, find
    ok = await _answer(await _forge_click(world, two.mallory, two.guild_b, f"rematch:ok:{two.b.id}:{mentee}:{spare}:{mentee}"))
    assert "Not paired" in ok, ok
    # A's programme number, clicked in guild B: not theirs to act for
    for custom_id in (f"rematch:find:{two.a.id}:{mentee}:mentee", f"rematch:ok:{two.a.id}:{mentee}:{spare}:{mentee}",
                      f"audit:{two.a.id}:0", f"renudge:{two.a.id}"):
        refused = await _answer(await _forge_click(world, two.mallory, two.guild_b, custom_id))
        assert "organisers" in refused and "Mentor" not in refused, (custom_id, refused)
    assert await _snapshot(world, two.a.id) == before


async def test_import_rows_with_another_programmes_ids_only_add_people_to_the_importers_programme(
        world: SandboxWorld) -> None:
    two = await _two(world)
    before = await _snapshot(world, two.a.id)
    ada = two.pair.mentor
    header = "id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous"
    text = "\n".join([
        header,  # A's person number and name (as in A's own export) in B's import
        f"{ada.person_id},Mentor Ada,mentor,secondary,maths,senior-leader,Europe/London,weekends,behaviour,2,,",
        f"z2,Zed,mentee,secondary,maths,early-career,Europe/London,weekends,behaviour,,,{two.pair.mentee.person_id}",
    ]) + "\n"
    got = await slash(two.mallory, two.guild_b, "import", file=("file", "people.csv", text.encode()))
    assert "Imported **2 profiles**" in got.content and "already in the programme" not in got.content
    assert "1 `previous` id names nobody in the file" in got.content
    assert await _snapshot(world, two.a.id) == before
    async with world.bot.sessions() as s:
        theirs = await people.people_in_programme(session=s, programme_id=two.b.id)
    assert sorted(p.display_name for p in theirs) == ["Mentor Ada", "Zed"]
    assert ada.person_id not in {p.id for p in theirs}
