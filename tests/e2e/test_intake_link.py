"""From an X post to a linked member: the code in the bot's reply, given on Discord (``/link`` or typed in
the onboarding DM), links the lead, stores the X handle and pre-fills the interview with what the post said."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.queries import people
from tests.support.intake import CODE, POLL, TAG, joined, leads_of, organiser_posts

pytestmark = pytest.mark.e2e
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500}}  # the scenarios reply to many leads an hour

REST = {"stage": "teacher", "timezone": "London", "availability": ["weekday-evenings"], "goals": ["planning"],
        "organisation": "Hill School", "consent": True}


def code_for(world: SandboxWorld, handle: str) -> str:
    """The claim code in the bot's reply to ``@handle`` on X (or in the organisers' queue entry)."""
    for reply in world.x.replies:
        if world.x.post(reply.ref("replied_to") or "").author.username == handle:
            found = CODE.search(reply.text)
            assert found
            return found.group(0)
    for message in organiser_posts(world):
        if f"@{handle}" in message and (found := CODE.search(message)):
            return found.group(0)
    raise AssertionError(f"no code for @{handle}")


async def profile_of(world: SandboxWorld, persona: Persona) -> tuple[str | None, dict[str, object]]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=persona.id)
        assert person is not None
        profile = await people.get_profile(session=s, person_id=person.id or 0, programme_id=programme.id)
        return person.x_handle, dict(profile.answers) if profile else {}


async def test_link_prefills_the_interview_and_the_profile_keeps_the_handle_and_confirmed_answers(
    world: SandboxWorld,
) -> None:
    world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    code = code_for(world, "amara_teach")
    amara = await joined(world, "Amara")
    programme = world.bot.services.programmes.all()[0]
    pid = programme.id

    wrong = await amara.slash("link", options={"code": "EDU-2222"})
    assert "I don't know that code" in wrong.content
    result = await amara.slash("link", options={"code": code.lower().replace("-", " ")})
    assert "linked @amara_teach" in result.content
    prompt = await amara.next_dm()
    assert "From your post I guessed: **Mentee**" in prompt.content
    await amara.click(f"onbsug:{pid}:role")
    await amara.click(f"onbsug:{pid}:phase")
    await amara.click(f"onbsug:{pid}:subjects")
    log = await run_interview(amara, programme.questions, REST)
    assert "profile is saved" in log.last and log.asked[0] == "stage"

    handle, answers = await profile_of(world, amara)
    assert handle == "amara_teach"
    assert answers["role"] == "mentee" and answers["phase"] == ["secondary"] and answers["subjects"] == ["maths"]
    (lead,) = await leads_of(world)
    assert lead.status == "linked"

    someone = await joined(world, "Someone Else")
    again = await someone.slash("link", options={"code": code})
    assert "already been used" in again.content
    assert "already linked to you" in (await amara.slash("link", options={"code": code})).content
    organiser = world.organiser
    assert organiser is not None
    assert "No open leads" in (await organiser.slash("leads", "list")).content


async def test_a_code_typed_in_the_onboarding_dm_links_the_lead(world: SandboxWorld) -> None:
    world.x.add_post(f"Happy to mentor primary science teachers @MentorBot {TAG}", "ben_sci", "Ben")
    await world.bot.tick(POLL)
    code = code_for(world, "ben_sci")
    ben = await joined(world, "Ben")
    await ben.say(f"hi, my code is {code}")
    reply = await ben.next_dm()
    while "linked @ben_sci" not in reply.content:
        reply = await ben.next_dm()
    prompt = await ben.next_dm()
    while "From your post I guessed" not in prompt.content:
        prompt = await ben.next_dm()
    assert "**Mentor**" in prompt.content
    handle, _ = await profile_of(world, ben)
    assert handle == "ben_sci"


async def test_organisers_list_and_dismiss_leads_and_codes_expire_and_resist_guessing(world: SandboxWorld) -> None:
    world.x.add_post(f"Looking for a mentor in history {TAG}", "cat_hist", "Cat")  # no mention: queued
    world.x.add_post(f"Keen to find a mentor @MentorBot {TAG}", "dev_eng", "Dev")
    world.x.add_post(f"Need a mentor please @MentorBot {TAG}", "eli_art", "Eli")
    await world.bot.tick(POLL)
    organiser = world.organiser
    assert organiser is not None
    listing = (await organiser.slash("leads", "list")).content  # Discord shows "\_" as "_"
    assert "@cat\\_hist — queued" in listing and "@dev\\_eng — replied" in listing

    dismissed = await organiser.slash("leads", "dismiss", options={"lead": "@cat_hist"})
    assert "Dismissed the lead @cat\\_hist" in dismissed.content
    listing = (await organiser.slash("leads", "list")).content
    assert "cat\\_hist" not in listing and "@dev\\_eng" in listing
    guest = await joined(world, "Guest")
    assert "I don't know that code" in (await guest.slash("link", options={"code": code_for(world, "cat_hist")})).content

    for n in range(4):
        answer = await guest.slash("link", options={"code": f"EDU-{n + 2}{n + 2}{n + 2}{n + 2}"})
        assert "I don't know that code" in answer.content
    blocked = await guest.slash("link", options={"code": code_for(world, "dev_eng")})
    assert "try again in 10 minutes" in blocked.content
    world.clock.advance(timedelta(minutes=11))
    assert "linked @dev_eng" in (await guest.slash("link", options={"code": code_for(world, "dev_eng")})).content

    world.clock.advance(timedelta(days=31))
    eli = await joined(world, "Eli")
    assert "expired" in (await eli.slash("link", options={"code": code_for(world, "eli_art")})).content
