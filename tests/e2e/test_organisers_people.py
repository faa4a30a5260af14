"""Organisers and people: ``/person``, ``/organiser pause``, ``/onboarding stalled`` + re-nudge, ``/audit``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import AuditEvent, Match, Nudge
from storage.queries import audit, people
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash

pytestmark = pytest.mark.e2e


async def test_person_shows_profile_matches_and_nudge_history(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    ada, ben = world.person("Ada"), world.person("Ben")
    for persona, answers in ((ada, MENTOR_INTERVIEW), (ben, MENTEE_INTERVIEW)):
        await persona.join(world.guild)
        await run_interview(persona, programme.questions, answers)
    now = world.clock.now()
    async with transaction(world.bot.sessions) as s:
        a = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=ada.id)
        b = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=ben.id)
        assert a is not None and b is not None
        match = Match(programme_id=programme.id, mentor_person_id=a.id or 0, mentee_person_id=b.id or 0,
                      status="active", score=82, started_at=now)
        s.add(match)
        await s.flush()
        s.add(Nudge(programme_id=programme.id, match_id=match.id, person_id=a.id, kind="checkin",
                    step_key="day3-met", due_at=now, status="sent", sent_at=now, answer="met", answered_at=now))

    result = await slash(world.organiser, world.guild, "person", options={"member": ada})
    embed = result.messages[0].embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "Ada"
    assert fields["Status"] == "active"
    profile = next(v for k, v in fields.items() if k.startswith("Profile"))
    assert "Senior leader" in profile and "Maths" in profile
    assert "active: mentor with Ben (score 82)" in fields["Matches"]
    assert "Day 3: have you met? — sent → met" in fields["Recent nudges"]  # the step's name, not its key
    async with world.bot.sessions() as s:
        events = list(await s.exec(select(AuditEvent).where(AuditEvent.action == "person.view")))
    assert [e.actor_discord_id for e in events] == [world.organiser.id]


async def test_an_organiser_pauses_and_resumes_a_member(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    cy = world.person("Cy")
    await cy.join(world.guild)
    await run_interview(cy, programme.questions, MENTEE_INTERVIEW)
    paused = await slash(world.organiser, world.guild, "organiser", "pause", options={"member": cy, "weeks": 3})
    assert "Paused" in paused.content and "28 September 2026" in paused.content
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=cy.id)
        assert person is not None and person.status == "paused"
        pause_events = list(await s.exec(select(AuditEvent).where(AuditEvent.action == "person.pause")))
    assert pause_events[0].actor_discord_id == world.organiser.id
    resumed = await slash(world.organiser, world.guild, "organiser", "resume", options={"member": cy})
    assert "back in the programme" in resumed.content
    stranger = world.person("Stranger")
    await stranger.join(world.guild)
    not_joined = await slash(world.organiser, world.guild, "organiser", "resume", options={"member": stranger})
    assert "isn't paused" in not_joined.content


async def test_stalled_onboarding_lists_people_and_renudges_them(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    dora = world.person("Dora")
    await dora.join(world.guild)
    first = await dora.next_dm()
    assert "Question 1" in first.content
    world.clock.advance(timedelta(hours=30))
    listed = await slash(world.organiser, world.guild, "onboarding", "stalled")
    assert "Stalled onboarding: 1" in listed.content and f"<@{dora.id}>" in listed.content
    assert "idle 30 h" in listed.content
    assert listed.messages[0].ephemeral
    clicked = await world.organiser.click("Re-nudge 1 person", message=listed.messages[0])
    await clicked.wait_answer()
    assert "Re-nudged 1 person." in clicked.content
    reminder = await dora.next_dm()
    assert "A reminder from the organisers" in reminder.content and "Question 1" in reminder.content


async def test_audit_is_paged_with_buttons(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    async with transaction(world.bot.sessions) as s:
        for i in range(23):
            await audit.add_audit_event(session=s, programme_id=programme.id, actor_discord_id=world.organiser.id,
                                        action=f"test.action{i:02d}", now=world.clock.now() + timedelta(seconds=i))
    first = await slash(world.organiser, world.guild, "audit")
    embed = first.messages[0].embeds[0]
    assert embed["footer"]["text"] == "Page 1 of 3 · 23 events"
    assert "test.action22" in embed["description"] and "test.action12" not in embed["description"]
    message = first.messages[0]
    await (await world.organiser.click("Next", message=message)).wait_answer()
    after = world.discord.state.messages[message.id].embeds[0]
    assert after["footer"]["text"] == "Page 2 of 3 · 23 events"
    assert "test.action12" in after["description"] and "test.action22" not in after["description"]
    third = await slash(world.organiser, world.guild, "audit", options={"page": 3})
    assert "test.action00" in third.messages[0].embeds[0]["description"]
