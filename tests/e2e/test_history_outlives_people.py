"""When someone leaves, their personal data goes but the programme keeps anonymous facts about their matches,
so the digest and stats don't shrink; /mydata and the leave prompt say so."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash

pytestmark = pytest.mark.e2e


async def test_a_leavers_match_still_counts_in_the_digest_and_stats_without_naming_anyone(
    world: SandboxWorld,
) -> None:
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    programme = world.bot.services.programmes.all()[0]
    leaver, partner = world.person("Zanele Okonkwo"), world.person("Mo Haddad")
    for persona, answers in ((leaver, dict(MENTEE_INTERVIEW, organisation="Riverside")),
                             (partner, dict(MENTOR_INTERVIEW, organisation="Hilltop"))):
        await persona.join(guild)
        await run_interview(persona, programme.questions, answers)
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    await world.bot.tick("announce-pairs")

    mydata = await slash(leaver, guild, "mydata")
    await mydata.wait_answer()
    sent = next(m for m in reversed(leaver.dms()) if m.attachments)
    assert "anonymous facts" in json.loads(sent.attachments[0].data)["after_leave"]
    asked = await slash(leaver, guild, "leave")
    assert "anonymous facts" in asked.content and "a match existed" in asked.content
    done = await leaver.click("Yes, delete my data", message=asked.messages[0])
    await done.wait_answer()

    async with world.bot.sessions() as s:
        digest = await world.bot.services.nudges.risk.digest_text(s, programme)
    assert "Matches ended this week: 1" in digest
    assert "Zanele" not in digest
    stats = await world.bot.services.stats.snapshot(programme)
    assert (stats.matches_total, stats.matches_ended) == (1, 1)
