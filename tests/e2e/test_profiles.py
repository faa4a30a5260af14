"""Members' own data: ``/profile view|edit``, ``/pause``, ``/resume``, ``/mydata``, ``/leave``."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.interview import run_interview, wait_for_reply
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from bot.services.programmes import Programme
from storage.db import transaction
from storage.models import Match
from storage.queries import people
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash

pytestmark = pytest.mark.e2e


async def _member(world: SandboxWorld, name: str, answers: dict[str, object]) -> tuple[Persona, Programme]:
    assert world.guild is not None
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    persona = world.person(name)
    await persona.join(world.guild)
    await run_interview(persona, programme.questions, answers)
    return persona, programme


async def test_profile_view_shows_my_answers_only_to_me(world: SandboxWorld) -> None:
    assert world.guild is not None
    amara, _ = await _member(world, "Amara", MENTOR_INTERVIEW)
    result = await slash(amara, world.guild, "profile", "view")
    message = result.messages[0]
    assert message.ephemeral and message.visible_to == amara.id
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields["Role"] == "Mentor" and fields["Career stage"] == "Senior leader"
    assert fields["Capacity"] == "2" and "Maths" in fields["Subjects"]


async def test_profile_edit_reasks_one_answer_in_my_dms_and_saves_it(world: SandboxWorld) -> None:
    assert world.guild is not None
    amara, programme = await _member(world, "Amara", MENTOR_INTERVIEW)
    result = await slash(amara, world.guild, "profile", "edit")
    assert "Which answer would you like to change?" in result.content
    picked = await amara.choose("timezone", message=result.messages[0])
    await picked.wait_answer()
    assert "I've sent you that question" in picked.content
    question = amara.dms()[-1]
    assert "Which time zone are you in?" in question.content
    await amara.say("Tokyo")
    summary = await wait_for_reply(amara, question.channel_id, question.id)
    await amara.click("Confirm", message=summary)
    done = await wait_for_reply(amara, question.channel_id, summary.id)
    assert "profile is saved" in done.content
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=amara.id)
        assert person is not None
        profile = await people.get_profile(session=s, person_id=person.id or 0, programme_id=programme.id)
    assert profile is not None and profile.answers["timezone"] == "Asia/Tokyo" and profile.version == 2
    assert profile.answers["stage"] == "senior-leader"


async def test_pause_and_resume_myself(world: SandboxWorld) -> None:
    assert world.guild is not None
    ben, programme = await _member(world, "Ben", MENTEE_INTERVIEW)
    paused = await slash(ben, world.guild, "pause", options={"weeks": 2})
    assert "You're paused until **21 September 2026**" in paused.content
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=ben.id)
        assert person is not None and person.status == "paused"
    resumed = await slash(ben, world.guild, "resume")
    assert "Welcome back" in resumed.content
    again = await slash(ben, world.guild, "resume")
    assert "You aren't paused" in again.content


async def test_mydata_sends_everything_as_json_by_dm(world: SandboxWorld) -> None:
    assert world.guild is not None
    cat, _ = await _member(world, "Cat", MENTEE_INTERVIEW)
    result = await slash(cat, world.guild, "mydata")
    assert "sent your data to your DMs" in result.content
    dm = cat.dms()[-1]
    assert dm.attachments and dm.attachments[0].filename == "edu-my-data.json"
    data = json.loads(dm.attachments[0].data)
    assert data["person"]["display_name"] == "Cat" and data["profile"]["answers"]["role"] == "mentee"


async def test_mydata_with_closed_dms_comes_back_privately(world: SandboxWorld) -> None:
    assert world.guild is not None
    dan, _ = await _member(world, "Dan", MENTEE_INTERVIEW)
    dan.dms_open = False
    result = await slash(dan, world.guild, "mydata")
    assert "Your DMs are closed" in result.content
    files = [a for m in result.messages for a in m.attachments]
    assert files and json.loads(files[0].data)["person"]["display_name"] == "Dan"
    assert all(m.ephemeral for m in result.messages)


async def test_leave_deletes_my_data_and_tells_my_partner_and_the_organisers_kindly(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    eve, programme = await _member(world, "Eve", MENTEE_INTERVIEW)
    fay, _ = await _member(world, "Fay", MENTOR_INTERVIEW)
    async with transaction(world.bot.sessions) as s:
        e = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=eve.id)
        f = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=fay.id)
        assert e is not None and f is not None
        s.add(Match(programme_id=programme.id, mentor_person_id=f.id or 0, mentee_person_id=e.id or 0,
                    status="active", started_at=world.clock.now()))
    asked = await slash(eve, world.guild, "leave")
    assert "deletes your profile" in asked.content
    organisers_channel = world.organisers_channel
    assert organisers_channel is not None
    last_seen = max((m.id for m in world.organiser.visible_messages() if m.channel_id == organisers_channel.id),
                    default=0)
    confirmed = await eve.click("Yes, delete my data", message=asked.messages[0])
    await confirmed.wait_answer()
    assert "has been deleted" in confirmed.content
    note = fay.dms()[-1]
    assert "has decided to leave" in note.content and "isn't about you" in note.content
    told = await world.organiser.next_message(organisers_channel, after=last_seen)
    assert "A member left" in told.content and f"<@{fay.id}>" in told.content and "Eve" not in told.content
    async with world.bot.sessions() as s:
        assert await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                  discord_user_id=eve.id) is None


async def test_leave_can_be_cancelled(world: SandboxWorld) -> None:
    assert world.guild is not None
    gil, programme = await _member(world, "Gil", MENTEE_INTERVIEW)
    asked = await slash(gil, world.guild, "leave")
    kept = await gil.click("No, keep it", message=asked.messages[0])
    assert kept.message is not None and "Nothing was deleted" in kept.message.content
    async with world.bot.sessions() as s:
        assert await people.get_person_by_discord(session=s, programme_id=programme.id,
                                                  discord_user_id=gil.id) is not None


async def test_profile_edit_and_view_stay_within_discords_limits_with_a_long_school_name(world: SandboxWorld) -> None:
    assert world.guild is not None
    school = "St. Mary's C-of-E (Voluntary-Aided) Primary School & Nursery — *Hill_Top* [Academy] (Multi-Academy) Trust"
    amara, _ = await _member(world, "Amara", {**MENTOR_INTERVIEW, "organisation": school})
    edit = await slash(amara, world.guild, "profile", "edit")
    options = [o for row in edit.messages[0].components for c in row["components"] for o in c.get("options", [])]
    assert options and all(len(o.get("description") or "") <= 100 for o in options)
    assert any((o.get("description") or "").startswith("St. Mary") for o in options)
    view = await slash(amara, world.guild, "profile", "view")
    fields = view.messages[0].embeds[0]["fields"]
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in fields)
