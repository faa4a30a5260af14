"""From an X post to a linked member, by proof of control: the bot's public reply carries no secret; ``/link
@handle`` gives the member a private code, and the lead is linked once that code is posted *from the handle*.
Wrong tries are limited per member and programme, atomically and persistently (database)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.queries import people
from tests.support.database import drop_test_schema
from tests.support.intake import CODE, POLL, TAG, joined, leads_of
from tests.support.world import make_world

pytestmark = pytest.mark.e2e
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500}}  # the scenarios reply to many leads an hour

REST = {"stage": "teacher", "timezone": "London", "availability": ["weekday-evenings"], "goals": ["planning"],
        "organisation": "Hill School", "consent": True}


async def private_code(persona: Persona, handle: str) -> str:
    answer = await persona.slash("link", options={"handle": handle})
    found = CODE.search(answer.content)
    assert found, answer.content
    return found.group(0)


async def profile_of(world: SandboxWorld, persona: Persona) -> tuple[str | None, dict[str, object]]:
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=persona.id)
        if person is None:
            return None, {}
        profile = await people.get_profile(session=s, person_id=person.id or 0, programme_id=programme.id)
        return person.x_handle, dict(profile.answers) if profile else {}


async def test_the_public_reply_holds_nothing_that_links_the_account(world: SandboxWorld) -> None:
    world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    (reply,) = world.x.replies
    assert CODE.search(reply.text) is None and "/link" in reply.text
    (lead,) = await leads_of(world)
    assert lead.claim_code not in reply.text


async def test_a_stranger_holding_the_public_reply_cannot_link_the_handle(world: SandboxWorld) -> None:
    world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    mallory = await joined(world, "Mallory")
    stolen = await private_code(mallory, "@amara_teach")  # naming the handle is not proof
    world.x.add_post(f"{TAG} {stolen}", "mallory_x", "Mallory")  # posting it from another account isn't either
    await world.bot.tick(POLL)
    handle, _ = await profile_of(world, mallory)
    assert handle is None
    (lead, *others) = [lead for lead in await leads_of(world) if lead.author_handle == "amara_teach"]
    assert lead.status != "linked" and not others

    amara = await joined(world, "Amara")
    code = await private_code(amara, "amara_teach")
    assert code != stolen
    world.x.add_post(f"{TAG} {stolen}", "amara_teach", "Amara")  # Mallory's code from Amara's account: Mallory's
    await world.bot.tick(POLL)                                     # proof, but it was Amara who posted it …
    handle, _ = await profile_of(world, mallory)
    assert handle == "amara_teach"  # … so only someone who controls the account can do this: acting from it


async def test_posting_the_private_code_from_the_account_links_it_and_prefills_the_interview(
    world: SandboxWorld,
) -> None:
    world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    amara = await joined(world, "Amara")
    programme = world.bot.services.programmes.all()[0]
    pid = programme.id

    wrong = await amara.slash("link", options={"handle": "@nobody_here"})
    assert "haven't seen a post" in wrong.content
    code = await private_code(amara, "@amara_teach")
    assert code == await private_code(amara, "AMARA_TEACH")  # asking again gives the same code
    world.x.add_post(f"It's me {TAG} {code.lower()}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    told = await amara.next_dm()
    while "linked it to you" not in told.content:
        told = await amara.next_dm()
    prompt = await amara.next_dm()
    while "From your post I guessed" not in prompt.content:
        prompt = await amara.next_dm()
    assert "**Mentee**" in prompt.content
    await amara.click(f"onbsug:{pid}:role")
    await amara.click(f"onbsug:{pid}:phase")
    await amara.click(f"onbsug:{pid}:subjects")
    log = await run_interview(amara, programme.questions, REST)
    assert "profile is saved" in log.last and log.asked[0] == "stage"

    handle, answers = await profile_of(world, amara)
    assert handle == "amara_teach"
    assert answers["role"] == "mentee" and answers["phase"] == ["secondary"] and answers["subjects"] == ["maths"]
    (lead,) = [lead for lead in await leads_of(world) if lead.author_handle == "amara_teach"]
    assert lead.status == "linked"

    someone = await joined(world, "Someone Else")
    assert "already linked to someone else" in (await someone.slash("link", options={"handle": "@amara_teach"})).content
    assert "already linked to you" in (await amara.slash("link", options={"handle": "@amara_teach"})).content


async def test_a_code_typed_in_the_dm_links_nothing_and_says_where_it_goes(world: SandboxWorld) -> None:
    world.x.add_post(f"Happy to mentor primary science teachers @MentorBot {TAG}", "ben_sci", "Ben")
    await world.bot.tick(POLL)
    ben = await joined(world, "Ben")
    code = await private_code(ben, "@ben_sci")
    await ben.say(f"hi, my code is {code}")
    reply = await ben.next_dm()
    assert "post your code from the account" in reply.content
    handle, _ = await profile_of(world, ben)
    assert handle is None


async def test_100_wrong_tries_at_once_get_at_most_the_limit_checked_and_the_limit_survives_a_restart(
    world: SandboxWorld,
) -> None:
    world.x.add_post(f"Keen to find a mentor @MentorBot {TAG}", "dev_eng", "Dev")
    await world.bot.tick(POLL)
    guest = await joined(world, "Guest")
    intake = world.bot.services.intake.leads
    programmes = world.bot.services.programmes.all()
    limit = intake.guess_limit
    results = await asyncio.gather(*(intake.claim(guest.id, "Guest", f"@guess_{n}", programmes=programmes)
                                     for n in range(100)))
    outcomes = [r.outcome for r in results]
    assert outcomes.count("unknown") <= limit and outcomes.count("unknown") + outcomes.count("rate_limited") == 100

    await world.restart()
    blocked = await guest.slash("link", options={"handle": "@dev_eng"})
    assert "try again in 10 minutes" in blocked.content  # a restart forgot nothing
    world.clock.advance(timedelta(minutes=11))
    assert CODE.search((await guest.slash("link", options={"handle": "@dev_eng"})).content)


async def test_a_right_answer_does_not_reset_the_count(world: SandboxWorld) -> None:
    world.x.add_post(f"Keen to find a mentor @MentorBot {TAG}", "dev_eng", "Dev")
    await world.bot.tick(POLL)
    guest = await joined(world, "Guest")
    limit = world.bot.services.intake.leads.guess_limit
    for n in range(limit - 1):
        assert "haven't seen" in (await guest.slash("link", options={"handle": f"@guess_{n}"})).content
        assert CODE.search((await guest.slash("link", options={"handle": "@dev_eng"})).content)
    assert "haven't seen" in (await guest.slash("link", options={"handle": "@guess_last"})).content
    assert "try again" in (await guest.slash("link", options={"handle": "@dev_eng"})).content


async def test_organisers_list_and_dismiss_leads_and_old_posts_expire(world: SandboxWorld) -> None:
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
    assert "haven't seen a post" in (await guest.slash("link", options={"handle": "@cat_hist"})).content

    world.clock.advance(timedelta(days=31))
    eli = await joined(world, "Eli")
    assert "too old" in (await eli.slash("link", options={"handle": "@eli_art"})).content


OWN_LINK_WORDS = {"unknown": "No post from that account with our hashtag yet — post first, then /link.",
                  "prove": "Post `{post}` from {account} within {hours} hours and you're in.",
                  "linked": "🏃 {account} is yours now — on with the questions!", "account_x": "X account @{handle}"}


async def test_the_public_reply_and_link_answers_are_the_programmes_own_words(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, programme_overrides={
        **WORLD_OVERRIDES, "voice": {"link": OWN_LINK_WORDS,
                                     "public_reply": "Lace up! {programme} runs on Discord: {invite_url} (then /link)"}})
    try:
        world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "amara_teach", "Amara")
        await world.bot.tick(POLL)
        (reply,) = world.x.replies
        assert reply.text.startswith("@amara_teach Lace up! ") and "runs on Discord: https://" in reply.text, reply.text
        amara = await joined(world, "Amara")
        wrong = await amara.slash("link", options={"handle": "@nobody_here"})
        assert wrong.content.endswith("No post from that account with our hashtag yet — post first, then /link."), \
            wrong.content
        asked = await amara.slash("link", options={"handle": "@amara_teach"})
        code = CODE.search(asked.content)
        assert code is not None and asked.content.endswith(
            f"Post `{TAG} {code.group(0)}` from X account @amara_teach within 24 hours and you're in."), asked.content
        world.x.add_post(f"It's me {TAG} {code.group(0)}", "amara_teach", "Amara")
        await world.bot.tick(POLL)
        told = await world.discord.state.wait_for(
            lambda: next((m for m in amara.dms() if "is yours now" in m.content), None), 5)
        assert told.content.startswith("🏃 X account @amara_teach is yours now — on with the questions!"), told.content
    finally:
        await world.stop()
        await drop_test_schema(schema)


def _organiser_posts(world: SandboxWorld, persona: Persona, words: str) -> list[str]:
    assert world.organisers_channel is not None
    return [m.content for m in world.discord.state.messages.values()
            if m.channel_id == world.organisers_channel.id and f"<@{persona.id}>" in m.content and words in m.content]


async def _own_thread_posts(world: SandboxWorld, persona: Persona) -> list[str]:
    """What the bot posted in the person's own private thread (``#u<person id>``)."""
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=persona.id)
    assert person is not None
    threads = {c.id for c in world.discord.state.channels.values() if c.name.endswith(f"#u{person.id}")}
    return [m.content for m in world.discord.state.messages.values() if m.channel_id in threads]


async def test_a_member_with_closed_dms_hears_their_account_is_linked_in_their_own_thread(
        world: SandboxWorld) -> None:
    world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    amara = await joined(world, "Amara")
    code = await private_code(amara, "@amara_teach")
    amara.dms_open = False  # she closes her DMs before posting the code
    world.x.add_post(f"It's me {TAG} {code}", "amara_teach", "Amara")
    await world.bot.tick(POLL)
    told = [t for t in await _own_thread_posts(world, amara) if "linked it to you" in t]
    assert len(told) == 1, "a member with closed DMs never heard their account was linked"
    assert len(_organiser_posts(world, amara, "closed their DMs")) == 1
    handle, _ = await profile_of(world, amara)
    assert handle == "amara_teach"
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=amara.id)
    assert person is not None and person.dms_closed, "the refused DM was not remembered"


async def test_someone_who_left_the_server_before_their_code_was_seen_is_named_to_the_organisers(
        world: SandboxWorld) -> None:
    world.x.add_post(f"Looking for a mentor! Secondary maths teacher @MentorBot {TAG}", "bo_teach", "Bo")
    await world.bot.tick(POLL)
    bo = await joined(world, "Bo")
    code = await private_code(bo, "@bo_teach")
    bo.dms_open = False  # no DM reaches him (Discord refuses a DM without a server in common, too) …
    await bo.leave()  # … and no private thread can: he is not in the server
    world.x.add_post(f"It's me {TAG} {code}", "bo_teach", "Bo")
    await world.bot.tick(POLL)
    assert await _own_thread_posts(world, bo) == [], "a thread was made for someone not in the server"
    (told,) = _organiser_posts(world, bo, "")
    assert "I can't reach" in told and "not in the server" in told, "nobody heard that he could not be told"
    assert not [c for c in world.discord.state.channels.values() if c.name.startswith("onboarding –")], \
        "an onboarding thread was opened for someone not in the server"
