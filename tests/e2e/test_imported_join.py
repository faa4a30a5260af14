"""An imported person (organiser's ``/import``) who later joins the server is linked to their imported row by
the Discord username the spreadsheet gave — never by a display name — asked for consent, and matched."""

from __future__ import annotations

import pytest

from bot.sandbox.discord.model import Message
from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.queries import matching, people
from tests.support.organisers import MENTEE_INTERVIEW, MENTOR_INTERVIEW, slash

pytestmark = pytest.mark.e2e

HEADER = "id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous,discord"
PRIYA = "s1,Priya Shah,mentor,secondary,maths,senior-leader,Europe/London,weekday-evenings,behaviour,2,Hill School,,"


async def _first_question(persona: Persona) -> Message:
    for _ in range(4):
        message = await persona.next_dm()
        if "Question 1 of" in message.content:
            return message
    raise AssertionError(f"no first question in {[m.content[:60] for m in persona.dms()]}")


async def test_an_imported_mentor_who_joins_is_linked_by_username_consents_and_is_matched(world: SandboxWorld) -> None:
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    edu = world.bot.services.programmes.get("edu")
    assert edu is not None
    text = "\n".join([HEADER, PRIYA + "@Priya_Shah",
                      "s2,Tom Reed,mentee,secondary,maths,early-career,Europe/London,weekends,behaviour,,,,Tom Reed",
                      "s3,Ann Lee,mentee,secondary,maths,early-career,Europe/London,weekends,behaviour,,,,"]) + "\n"
    imported = await slash(olu, guild, "import", file=("file", "people.csv", text.encode()))
    assert "Imported **2 profiles**" in imported.content
    assert "line 3: Discord username 'Tom Reed' is not a username" in imported.content  # a display name: refused
    assert "1 of them has a Discord username" in imported.content
    async with world.bot.sessions() as s:
        (before,) = [p for p in await people.people_in_programme(session=s, programme_id=edu.id)
                     if p.display_name == "Priya Shah"]
        history = await matching.matches_of_person(session=s, person_id=before.id or 0)

    priya, mentee = world.person("Priya Shah"), world.person("Mo Khan")
    await priya.join(guild)
    first = await _first_question(priya)
    assert "The organisers' records say: **Mentor" in first.content, first.content  # the imported answer offered
    assert "From your post" not in "".join(m.content for m in priya.dms())
    await run_interview(priya, edu.questions, MENTOR_INTERVIEW)
    await mentee.join(guild)
    await run_interview(mentee, edu.questions, MENTEE_INTERVIEW)

    async with world.bot.sessions() as s:
        everyone = await people.people_in_programme(session=s, programme_id=edu.id)
        mine = [p for p in everyone if p.discord_user_id == priya.id]
        profile = await people.get_profile(session=s, person_id=before.id or 0, programme_id=edu.id)
    assert [p.id for p in mine] == [before.id], "linked to the imported row, not a second person"
    assert len([p for p in everyone if "Priya" in p.display_name]) == 1
    assert profile is not None and profile.consent_at is not None, "she agreed in the interview"
    assert mine[0].discord_username is None

    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    async with world.bot.sessions() as s:
        theirs = await matching.matches_of_person(session=s, person_id=before.id or 0)
    assert len(theirs) == len(history) + 1 and any(m.status == "active" for m in theirs), "she is matched"


async def test_a_member_with_another_username_is_not_linked_to_an_imported_row(world: SandboxWorld) -> None:
    """Same display name, different username: a new person, and the imported row stays unlinked."""
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    edu = world.bot.services.programmes.get("edu")
    assert edu is not None
    await slash(olu, guild, "import", file=("file", "people.csv", f"{HEADER}\n{PRIYA}priya.real\n".encode()))
    impostor = world.person("Priya Shah")  # username priya_shah
    await impostor.join(guild)
    await _first_question(impostor)
    async with world.bot.sessions() as s:
        rows = [p for p in await people.people_in_programme(session=s, programme_id=edu.id)
                if p.display_name == "Priya Shah"]
    assert sorted((p.discord_user_id is None, p.discord_username) for p in rows) == [
        (False, None), (True, "priya.real")]
    assert not any("organisers' records" in m.content for m in impostor.dms())


async def test_a_member_who_joined_before_the_import_is_merged_with_their_record_not_added_twice(
        world: SandboxWorld) -> None:
    """Priya joined the server (her interview began) before the organisers imported their spreadsheet: her row
    is merged with her existing record — no second, ghost Priya — the report says so, her earlier pairing is
    recorded against her, and the questions still to come offer the spreadsheet's answers."""
    guild, olu = world.guild, world.organiser
    assert guild is not None and olu is not None
    edu = world.bot.services.programmes.get("edu")
    assert edu is not None
    priya = world.person("Priya Shah")  # username priya_shah
    await priya.join(guild)
    await _first_question(priya)
    text = "\n".join([HEADER, PRIYA + "@priya_shah",
                      "s2,Tom Reed,mentee,secondary,maths,early-career,Europe/London,weekends,behaviour,,,s1,",
                      PRIYA.replace("s1,", "s9,", 1) + "priya_shah"]) + "\n"  # the same member twice
    imported = await slash(olu, guild, "import", file=("file", "people.csv", text.encode()))
    assert "line 4: Discord username 'priya_shah' is already someone's" in imported.content, imported.content
    assert "Imported **1 profile**" in imported.content, imported.content  # Tom only
    assert "1 row is a member who had already joined the server (Priya Shah): merged with their existing record" \
        in imported.content, imported.content
    async with world.bot.sessions() as s:
        everyone = await people.people_in_programme(session=s, programme_id=edu.id)
        priyas = [p for p in everyone if "Priya" in p.display_name]
        assert [p.discord_user_id for p in priyas] == [priya.id], "one Priya: the member herself"
        (tom,) = [p for p in everyone if p.display_name == "Tom Reed"]
        history = await matching.matches_of_person(session=s, person_id=priyas[0].id or 0)
    assert [(m.mentor_person_id, m.mentee_person_id, m.status) for m in history] == [
        (priyas[0].id, tom.id, "ended")], "the earlier pairing is hers, not a ghost's"
    answered = await priya.click("Mentor")
    assert "The organisers' records say: **Secondary" in answered.content, answered.content
