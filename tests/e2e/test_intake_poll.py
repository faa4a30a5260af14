"""Hashtag intake end to end: the real bot polls the local X through tweepy, stores posts and leads, replies
with a claim code or queues the lead for the organisers, and survives crashes, 429s and revoked access."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from storage.queries import intake
from tests.support.intake import (
    POLL,
    TAG,
    add_scenario,
    last_report,
    leads_of,
    organiser_posts,
    replies_per_author,
    searches,
)

pytestmark = pytest.mark.e2e
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500}}  # the scenarios reply to many leads an hour

async def test_250_posts_over_three_pages_make_one_lead_and_at_most_one_reply_per_person(world: SandboxWorld) -> None:
    expected = add_scenario(world.x)
    await world.bot.tick(POLL)
    report = last_report(world)
    assert report.status == "done" and report.pages == 3 and report.new_posts == 220

    leads = await leads_of(world)
    handles = sorted(lead.author_handle for lead in leads)
    assert len(leads) == expected["leads"] and len(set(handles)) == len(handles)
    assert "MentorBot" not in handles and not any(h.startswith(("replier", "quoter", "retweeter")) for h in handles)
    per_author = replies_per_author(world.x)
    assert sum(per_author.values()) == expected["replies"] and max(per_author.values()) == 1
    assert not any(r.status == 403 for r in world.x.log), "no reply is attempted to a post that doesn't mention the bot"
    fivefold = next(lead for lead in leads if lead.author_handle == "fivefold")
    assert fivefold.status == "replied" and fivefold.suggestions["role"] == "mentor"
    queued = organiser_posts(world)
    assert len(queued) == expected["queued"]
    assert all("Reply to the post by hand with" in m and "/link" in m and "EDU-" not in m for m in queued)

    # more posts by the same people, and the bot's replies themselves (they carry the hashtag): no new leads
    world.x.add_post(f"Still looking for a mentor @MentorBot {TAG}", "triple0")  # was replied to already
    world.x.add_post(f"Still looking for a mentor @MentorBot {TAG}", "triple5")  # was queued for organisers
    world.x.add_post(f"Me too! @MentorBot {TAG}", "newcomer")
    await world.bot.tick(POLL)
    await world.bot.tick(POLL)
    leads = await leads_of(world)
    assert len(leads) == expected["leads"] + 1
    assert replies_per_author(world.x)["triple0"] == 1 and replies_per_author(world.x)["triple5"] == 0
    assert replies_per_author(world.x)["newcomer"] == 1
    assert len(organiser_posts(world)) == expected["queued"]
    assert max(replies_per_author(world.x).values()) == 1


async def test_a_crash_between_pages_and_a_restart_change_nothing(world: SandboxWorld) -> None:
    expected = add_scenario(world.x)
    # the first search answers at once, the second hangs: the bot dies while waiting for page 2
    world.x.faults.inject("slow", 1, delay=0.0, path="/2/tweets/search")
    world.x.faults.inject("slow", 1, delay=1.5, path="/2/tweets/search")
    programme = world.bot.services.programmes.all()[0]
    polling = asyncio.create_task(world.bot.tick(POLL))

    async def page_one_stored() -> bool:
        async with world.bot.sessions() as s:
            rows = await intake.leads_in_programme(session=s, programme_id=programme.id)
            return bool(rows)

    for _ in range(500):
        if await page_one_stored():
            break
        await asyncio.sleep(0.01)
    stored_after_crash = len(await leads_of(world))
    assert 0 < stored_after_crash < expected["leads"]
    polling.cancel()  # the process dies mid-poll ...
    await world.restart()  # ... and comes back on the same database
    await world.bot.tick(POLL)
    await world.bot.tick(POLL)

    leads = await leads_of(world)
    assert len(leads) == expected["leads"]
    per_author = replies_per_author(world.x)
    assert sum(per_author.values()) == expected["replies"] and max(per_author.values()) == 1
    assert len(organiser_posts(world)) == expected["queued"]


async def test_a_429_pauses_polling_until_the_reset_and_then_resumes_from_the_cursor(world: SandboxWorld) -> None:
    expected = add_scenario(world.x)
    world.x.faults.inject("slow", 2, delay=0.0, path="/2/tweets/search")
    world.x.faults.inject("429", 1, path="/2/tweets/search")
    await world.bot.tick(POLL)
    report = last_report(world)
    assert report.status == "paused" and report.pages == 2 and report.paused_until is not None
    first = len(await leads_of(world))
    assert 0 < first < expected["leads"]

    before = searches(world.x)
    world.clock.advance(timedelta(minutes=5))
    await world.bot.tick(POLL)
    assert searches(world.x) == before, "no search before the rate-limit window resets"

    world.clock.advance(timedelta(minutes=11))
    await world.bot.tick(POLL)
    report = last_report(world)
    assert report.status == "done"
    leads = await leads_of(world)
    assert len(leads) == expected["leads"], "nothing was missed"
    assert sum(replies_per_author(world.x).values()) == expected["replies"]
    assert len(organiser_posts(world)) == expected["queued"]
