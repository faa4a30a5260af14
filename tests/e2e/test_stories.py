"""Share your story, end to end: when a match ends, the people who rated it highly are offered — once — to
share a short story; they write it, see exactly what would be posted and where, and only their explicit
confirmation posts it (on the programme's hashtag, without their handle), never twice. ``/leave`` deletes a
story not yet posted and says what was already public."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.config import ProgrammeConfig
from bot.sandbox.discord import Message
from bot.sandbox.people import Persona
from bot.sandbox.world import SandboxWorld
from storage.models import Story
from tests.support.components import as_sent_before
from tests.support.database import database_unreachable, drop_test_schema
from tests.support.organisers import slash
from tests.support.pairs import Pair, add_member, add_pair, make_pair, own_threads, posts_in
from tests.support.world import make_world

pytestmark = pytest.mark.e2e

STORY_COGS = ["cogs.nudges", "cogs.stories", "cogs.profiles", "cogs.matching", "cogs.surveys"]
STORY = "My mentor helped me find my feet in my first term. I finally feel I belong in the staffroom!"
FIELD = "A few lines about your mentoring"


@pytest.fixture
async def sworld(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, extensions=STORY_COGS)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def _ended_after_meeting(world: SandboxWorld, tag: str, *, happy: tuple[str, ...] = ("mentee",)) -> Pair:
    """A pair that ended by agreement; its ``happy`` members rated it 5 of 5 in the end-of-match survey, the
    other did not answer it."""
    pair = await make_pair(world, tag, space=True)
    programme = world.bot.services.programmes.all()[0]
    assert await world.bot.services.ending.end_match(programme, pair.match_id, "pair", None) is not None
    world.clock.advance(timedelta(minutes=11))
    await world.bot.tick("survey-dispatch")
    for role in happy:
        persona = pair.mentee.persona if role == "mentee" else pair.mentor.persona
        survey = next(m for m in persona.dms() if "wrapped up" in m.content)
        for _ in range(5):
            await (await persona.click("5", message=world.discord.state.messages[survey.id])).wait_answer()
    return pair


async def _met_then_ended(world: SandboxWorld, tag: str) -> Pair:
    """A pair whose mentee said "We've met" in their day-3 check-in, then ended by agreement."""
    pair = await make_pair(world, tag, space=True)
    await world.bot.services.nudges.plan_match(pair.match_id)
    world.clock.advance(timedelta(days=3, minutes=1))
    await world.bot.tick("nudge-dispatch")
    msg = next(m for m in pair.mentee.persona.dms() if "met yet" in m.content)
    await pair.mentee.persona.click("We've met", message=msg)
    programme = world.bot.services.programmes.all()[0]
    assert await world.bot.services.ending.end_match(programme, pair.match_id, "pair", None) is not None
    return pair


def _offers(persona: Persona) -> list[Message]:
    return [m for m in persona.dms() if any(c.get("label") == "Write my story"
                                            for row in m.components for c in row["components"])]


def _bot_posts_on_x(world: SandboxWorld) -> list[str]:
    return [p.text for p in world.x.posts if p.author.id == world.x.bot_account.id]


async def _write(persona: Persona, text: str = STORY) -> Message:
    offer = _offers(persona)[-1]
    await persona.click("Write my story", message=offer)
    written = await persona.submit_modal({FIELD: text})
    assert "Where would you like it to go?" in written.content
    return written.messages[-1]


async def test_a_story_is_posted_only_after_confirmation_and_never_twice(sworld: SandboxWorld) -> None:
    pair = await _ended_after_meeting(sworld, "S")
    await sworld.bot.tick("story-offers")
    offers = _offers(pair.mentee.persona)
    assert len(offers) == 1 and "share your experience" in offers[0].content
    assert _offers(pair.mentor.persona) == [], "the mentor did not rate the match: no offer"
    await sworld.bot.tick("story-offers")
    assert len(_offers(pair.mentee.persona)) == 1, "offered once"

    choices = await _write(pair.mentee.persona)
    labels = [c["label"] for row in choices.components for c in row["components"]]
    assert labels == ["Post on X", "Post on Bluesky", "Post on Mastodon", "Organisers only"]
    assert _bot_posts_on_x(sworld) == [], "writing posts nothing"

    preview = await pair.mentee.persona.click("Post on X", message=choices)
    expected = f"“{STORY}”\n— a mentee #EduMentoring"
    assert f"```\n{expected}\n```" in preview.content, "the preview shows exactly what will be posted"
    assert _bot_posts_on_x(sworld) == [], "a preview posts nothing"

    posted = await pair.mentee.persona.click("Yes, share it", message=preview.messages[-1])
    assert posted.deferred and "Posted on X" in posted.content
    assert _bot_posts_on_x(sworld) == [expected], "posted as previewed, without their handle"

    again = await pair.mentee.persona.click("Yes, share it", message=preview.messages[-1])
    assert "already posted" in again.content
    assert _bot_posts_on_x(sworld) == [expected], "never twice"
    rewrite = await sworld.bot.services.stories.write(_story_id(preview), pair.mentee.persona.id, "Changed my mind")
    assert not rewrite.ok and "already posted" in rewrite.reply

    other = await sworld.bot.services.stories.confirm(_story_id(preview), pair.mentor.persona.id, "x", False, 1)
    assert not other.ok and "someone else" in other.reply
    async with sworld.bot.sessions() as s:
        rows = list(await s.exec(select(Story)))
    assert [(r.status, r.destination, r.post_url is not None) for r in rows] == [("posted", "x", True)]


async def test_a_story_offer_to_closed_dms_reaches_the_person_in_a_thread_only_they_see(sworld: SandboxWorld) -> None:
    mentor = await add_member(sworld, "Mentor Q", "Europe/London")
    mentee = await add_member(sworld, "Mentee Q", "Europe/London", dms_open=False, known_dm=False)
    pair = await add_pair(sworld, mentor, mentee, space=True)
    programme = sworld.bot.services.programmes.all()[0]
    assert await sworld.bot.services.ending.end_match(programme, pair.match_id, "pair", None) is not None
    sworld.clock.advance(timedelta(minutes=11))
    await sworld.bot.tick("survey-dispatch")
    survey = next(m for t in own_threads(sworld, mentee) for m in posts_in(sworld, t) if "wrapped up" in m.content)
    for _ in range(5):  # rated 5 of 5, answered in their private thread
        await (await mentee.persona.click("5", message=sworld.discord.state.messages[survey.id])).wait_answer()

    await sworld.bot.tick("story-offers")
    offers = [(t, m) for t in own_threads(sworld, mentee) for m in posts_in(sworld, t)
              if any(c.get("label") == "Write my story" for row in m.components for c in row["components"])]
    assert len(offers) == 1, "the story offer to closed DMs went nowhere"
    ((thread, offer),) = offers
    assert mentee.persona.can_see(thread) and not mentor.persona.can_see(thread)
    assert pair.space is not None and not [m for m in posts_in(sworld, pair.space) if "Write my story" in str(m.components)]
    await mentee.persona.click("Write my story", message=offer)
    written = await mentee.persona.submit_modal({FIELD: STORY})
    assert "Where would you like it to go?" in written.content
    await sworld.bot.tick("story-offers")
    assert len([m for m in posts_in(sworld, thread) if "Write my story" in str(m.components)]) == 1, "offered once"


def _story_id(result: object) -> int:
    message = result.messages[-1]  # type: ignore[attr-defined]
    custom = next(c["custom_id"] for row in message.components for c in row["components"]
                  if c["custom_id"].startswith("story:post:"))
    return int(custom.rsplit(":", 1)[1])


async def test_a_confirmation_of_an_old_preview_posts_nothing(sworld: SandboxWorld) -> None:
    pair = await _ended_after_meeting(sworld, "R")
    await sworld.bot.tick("story-offers")
    choices = await _write(pair.mentee.persona)
    old = await pair.mentee.persona.click("Post on Bluesky", message=choices)
    await _write(pair.mentee.persona, "A shorter story.")
    stale = await pair.mentee.persona.click("Yes, share it", message=old.messages[-1])
    assert "changed since that preview" in stale.content
    assert [p for p in sworld.bluesky.posts if "story" in p.text.lower()] == []


async def test_leave_deletes_an_unposted_story_and_says_what_was_public(sworld: SandboxWorld) -> None:
    assert sworld.guild is not None
    public = await _ended_after_meeting(sworld, "P")
    draft = await _ended_after_meeting(sworld, "D", happy=("mentor",))
    await sworld.bot.tick("story-offers")

    choices = await _write(public.mentee.persona)
    preview = await public.mentee.persona.click("Post on Mastodon", message=choices)
    await public.mentee.persona.click("Yes, share it", message=preview.messages[-1])
    choices = await _write(draft.mentor.persona, "Mentoring reminded me why I love this job.")
    await draft.mentor.persona.click("Organisers only", message=choices)  # previewed, never confirmed

    await slash(draft.mentor.persona, sworld.guild, "mydata")
    export = json.loads(draft.mentor.persona.dms()[-1].attachments[0].data)
    assert [(st["status"], st["text"]) for st in export["goals_and_stories"]["stories"]] == [
        ("written", "Mentoring reminded me why I love this job.")], "/mydata has their story"

    for persona in (public.mentee.persona, draft.mentor.persona):
        asked = await slash(persona, sworld.guild, "leave")
        done = await persona.click("Yes, delete my data", message=asked.messages[0])
        if persona is public.mentee.persona:
            assert "Already public" in done.content and "Mastodon (https://" in done.content
            assert "not posted" not in done.content
        else:
            assert "Your story that was not posted has been deleted" in done.content
            assert "Already public" not in done.content
    async with sworld.bot.sessions() as s:
        assert list(await s.exec(select(Story))) == [], "their stories are erased with them"
    assert not any("why I love this job" in m.content for m in sworld.discord.state.messages.values()
                   if m.channel_id == (sworld.organisers_channel.id if sworld.organisers_channel else 0))


async def test_a_story_for_the_organisers_only_goes_to_their_channel_and_nowhere_else(sworld: SandboxWorld) -> None:
    pair = await _ended_after_meeting(sworld, "O", happy=("mentor", "mentee"))
    await sworld.bot.tick("story-offers")
    assert len(_offers(pair.mentor.persona)) == 1 and len(_offers(pair.mentee.persona)) == 1
    choices = await _write(pair.mentor.persona, "Mentoring reminded me why I love this job.")
    preview = await pair.mentor.persona.click("Organisers only", message=choices)
    assert "```\n“Mentoring reminded me why I love this job.”\n— a mentor\n```" in preview.content, "no hashtag"
    shared = await pair.mentor.persona.click("Yes, share it", message=preview.messages[-1])
    assert "passed your story to the organisers" in shared.content
    organisers = sworld.organisers_channel
    assert organisers is not None
    told = [m.content for m in sworld.discord.state.messages.values() if m.channel_id == organisers.id]
    assert sum("why I love this job" in t for t in told) == 1
    assert _bot_posts_on_x(sworld) == [] and not any("love this job" in p.text for p in sworld.bluesky.posts)
    declined = await pair.mentee.persona.click("No thanks", message=_offers(pair.mentee.persona)[0])
    assert "Nothing will be shared" in declined.content


async def test_without_an_end_survey_the_checkins_say_who_is_offered(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=STORY_COGS, programme_overrides={"surveys": []})
    try:
        pair = await _met_then_ended(world, "C")
        await world.bot.tick("story-offers")
        assert len(_offers(pair.mentee.persona)) == 1, "said they had met, never asked for help"
        assert _offers(pair.mentor.persona) == [], "never answered a check-in"
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_after_leave_a_partners_story_that_names_them_stays_the_partners_without_their_name(
        sworld: SandboxWorld) -> None:
    assert sworld.guild is not None
    mentor = await add_member(sworld, "Zanele Quokkason", "Europe/London")
    mentee = await add_member(sworld, "Ama Mensah", "Europe/London")
    pair = await add_pair(sworld, mentor, mentee, space=True)
    programme = sworld.bot.services.programmes.all()[0]
    assert await sworld.bot.services.ending.end_match(programme, pair.match_id, "pair", None) is not None
    sworld.clock.advance(timedelta(minutes=11))
    await sworld.bot.tick("survey-dispatch")
    survey = next(m for m in mentee.persona.dms() if "wrapped up" in m.content)
    for _ in range(5):
        await (await mentee.persona.click("5", message=sworld.discord.state.messages[survey.id])).wait_answer()
    await sworld.bot.tick("story-offers")
    await _write(mentee.persona, "Zanele changed how I teach. Thank you, zanele quokkason! Will do it again.")

    asked = await slash(mentor.persona, sworld.guild, "leave")
    await (await mentor.persona.click("Yes, delete my data", message=asked.messages[0])).wait_answer()
    async with sworld.bot.sessions() as s:
        (story,) = list(await s.exec(select(Story)))
    assert story.person_id == mentee.person_id and story.status == "written"
    assert story.text == "(a member who left) changed how I teach. Thank you, (a member who left)! Will do it again."


STORY_WORDS = {"write_button": "Tell your story ✍️", "no_button": "Not for me", "form_title": "Your running story",
               "form_label": "A few lines about your runs", "where": "Cheers! Where shall it go?",
               "post_on": "Share on {platform}", "organisers_only": "Just the organisers",
               "preview_organisers": "This is what the organisers will see", "share_button": "Yep, send it",
               "nothing_sent": "Nothing goes out until you press “{button}”.", "shared": "Sent to the organisers 🏃",
               "declined": "No worries at all.", "signed_mentor": "a running buddy",
               "to_organisers": "🏃 New story from {person} (team only):\n{story}"}


async def test_the_whole_story_flow_speaks_in_the_programmes_own_words(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, extensions=STORY_COGS,
                                     programme_overrides={"voice": {"stories": STORY_WORDS}})
    try:
        pair = await _ended_after_meeting(world, "W", happy=("mentor", "mentee"))
        await world.bot.tick("story-offers")
        (offer,) = [m for m in pair.mentor.persona.dms() if "Tell your story ✍️" in str(m.components)]
        assert [c["label"] for row in offer.components for c in row["components"]] == ["Tell your story ✍️",
                                                                                        "Not for me"]
        opened = await pair.mentor.persona.click("Tell your story ✍️", message=offer)
        assert opened.modal is not None and opened.modal["title"] == "Your running story"
        written = await pair.mentor.persona.submit_modal({"A few lines about your runs": "Our group doubled!"})
        assert written.content == "Cheers! Where shall it go?", written.content
        choices = written.messages[-1]
        assert [c["label"] for row in choices.components for c in row["components"]] == [
            "Share on X", "Share on Bluesky", "Share on Mastodon", "Just the organisers"]
        preview = await pair.mentor.persona.click("Just the organisers", message=choices)
        assert preview.content.startswith("This is what the organisers will see:\n```"), preview.content
        assert preview.content.endswith("Nothing goes out until you press “Yep, send it”."), preview.content
        assert "Yes, share it" not in preview.content
        assert "```\n“Our group doubled!”\n— a running buddy\n```" in preview.content, "signed in its words"
        shared = await pair.mentor.persona.click("Yep, send it", message=preview.messages[-1])
        assert shared.content == "Sent to the organisers 🏃", shared.content
        assert world.organisers_channel is not None
        told = [m.content for m in world.discord.state.messages.values() if m.channel_id == world.organisers_channel.id]
        assert f"🏃 New story from <@{pair.mentor.persona.id}> (team only):\n“Our group doubled!”\n— a running buddy" \
            in told, told

        # with a second programme the form's words come from the programme its button names: nothing is read
        runners = world.discord.create_guild("Runners")
        world.allow_programmes(runners, ("RunMentoring",))
        await world.bot.services.programmes.create(ProgrammeConfig(
            key="run", name="RunTogether", guild_id=runners.id, invite_url="https://discord.gg/run",
            questions={"preset": "runtogether"},  # type: ignore[arg-type]
            intake={"hashtags": ["RunMentoring"], "claim_code_prefix": "RUN"}))  # type: ignore[arg-type]
        mentee_offer = next(m for m in pair.mentee.persona.dms() if "Not for me" in str(m.components))
        assert world.engine is not None
        with database_unreachable(world.engine) as tried:
            form = await pair.mentee.persona.click("Tell your story ✍️", message=mentee_offer)
        assert form.modal is not None, "the form waited for the database (a modal must be the first response)"
        assert form.modal["title"] == "Your running story" and tried == []
        # a button sent before buttons named the programme still opens the form (in the neutral words) and saves
        (old_id,) = as_sent_before(world, mentee_offer, "story:write:", 1)
        with database_unreachable(world.engine) as tried:
            old = await pair.mentee.persona.click(old_id, message=mentee_offer)
        assert old.modal is not None and old.modal["title"] == "Your story" and tried == []
        written = await pair.mentee.persona.submit_modal({FIELD: "We ran our first 5k together."})
        assert written.content == "Cheers! Where shall it go?", written.content
        preview = await pair.mentee.persona.click("Just the organisers", message=written.messages[-1])
        with database_unreachable(world.engine) as tried:  # "Rewrite it" under a preview names the programme too
            rewrite = await pair.mentee.persona.click("Rewrite it", message=preview.messages[-1])
        assert rewrite.modal is not None and rewrite.modal["title"] == "Your running story" and tried == []
        declined = await pair.mentee.persona.click("Not for me", message=mentee_offer)
        assert declined.content == "No worries at all.", declined.content
    finally:
        await world.stop()
        await drop_test_schema(schema)
