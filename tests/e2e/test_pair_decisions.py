"""Organisers decide about particular pairs from Discord: forbid or force a pair, pair an imported person by
hand, and remind a quiet pair."""

from __future__ import annotations

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash

pytestmark = pytest.mark.e2e

IMPORTED = "\n".join([
    "id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous",
    "i1,Imani Imported,mentor,secondary,maths,senior-leader,Europe/London,weekday-evenings,behaviour,2,Dale,",
]) + "\n"


async def onboard(world: SandboxWorld, name: str, answers: dict[str, object]) -> Persona:
    assert world.guild is not None
    persona = world.person(name)
    await persona.join(world.guild)
    log = await run_interview(persona, world.bot.services.programmes.all()[0].questions, answers)
    assert "profile is saved" in log.last
    return persona


async def test_a_forbidden_pair_is_never_proposed_and_a_forced_one_is(world: SandboxWorld) -> None:
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    mentor = await onboard(world, "Mo Mentor", dict(MENTOR_INTERVIEW, organisation="Hill"))
    mentee = await onboard(world, "Ed Mentee", dict(MENTEE_INTERVIEW, organisation="Vale"))
    forbidden = await slash(olu, guild, "match", "forbid", options={"mentor": f"<@{mentor.id}>", "mentee": "ed mentee"})
    assert "will never be paired" in forbidden.content
    preview = await slash(olu, guild, "match", "preview")
    assert "Mo Mentor → Ed Mentee" not in str([e.get("fields") for m in preview.messages for e in m.embeds])
    forced = await slash(olu, guild, "match", "force", options={"mentor": "Mo Mentor", "mentee": f"<@{mentee.id}>"})
    assert "will be paired in the next round" in forced.content
    preview = await slash(olu, guild, "match", "preview")
    assert "Mo Mentor → Ed Mentee" in str([e.get("fields") for m in preview.messages for e in m.embeds])
    nobody = await slash(olu, guild, "match", "forbid", options={"mentor": "Nobody Here", "mentee": "Ed Mentee"})
    assert "nobody called “Nobody Here”" in nobody.content


async def test_pair_by_hand_takes_names_and_imported_people_and_a_quiet_pair_can_be_reminded(
    world: SandboxWorld,
) -> None:
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    imported = await slash(olu, guild, "import", file=("file", "people.csv", IMPORTED.encode()))
    assert "Imported **1 profile**" in imported.content
    assert "1 imported person has not agreed to be matched yet" in imported.content  # the rule, said out loud
    mentee = await onboard(world, "Ed Mentee", dict(MENTEE_INTERVIEW, organisation="Vale"))
    await onboard(world, "Mo Mentor", dict(MENTOR_INTERVIEW, organisation="Hill"))
    with_imported = await slash(olu, guild, "match", "pair",
                                options={"mentor": "Imani Imported", "mentee": f"<@{mentee.id}>"})
    # found by name (no Discord account); only their missing consent stops it, as for anyone
    assert "was imported and has not agreed to be matched yet" in with_imported.content
    assert "joining the server and finishing the interview" in with_imported.content
    paired = await slash(olu, guild, "match", "pair", options={"mentor": "mo mentor", "mentee": "Ed Mentee"})
    assert "Paired" in paired.content, paired.content
    await world.bot.tick("announce-pairs")
    reminded = await slash(olu, guild, "match", "remind", options={"person": "Ed Mentee"})
    await reminded.wait_answer()
    assert "Reminder sent" in reminded.content
    nudges = [m for m in world.discord.state.messages.values() if "friendly nudge" in m.content]
    assert len(nudges) == 1 and f"<@{mentee.id}>" in nudges[0].content
    assert mentee.can_see(nudges[0].channel_id)
    nobody = await slash(olu, guild, "match", "remind", options={"person": "Imani Imported"})
    assert "not in an active pair" in nobody.content
