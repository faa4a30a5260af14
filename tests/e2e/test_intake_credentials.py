"""Credentials the platforms refuse, end to end: X with only a bearer token searches but never replies, a 401 on
an X reply stops replies (organisers told once) until the credentials change, a Mastodon token from another
instance leaves that instance readable, and Bluesky is searched one hashtag at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox.world import MASTODON_INSTANCE, SandboxWorld
from tests.support.database import drop_test_schema
from tests.support.intake import POLL, TAG, last_report, leads_of, organiser_posts
from tests.support.world import make_world

pytestmark = pytest.mark.e2e
INTAKE = {"replies_per_hour": 500}
OTHER = "other.sandbox"


def x_posts(world: SandboxWorld) -> list[int]:
    """The status of every reply the bot tried on X."""
    return [r.status for r in world.x.log if r.method == "POST" and r.path.startswith("/2/tweets")]


def notices(world: SandboxWorld, text: str) -> list[str]:
    return [m for m in organiser_posts(world) if text in m]


@pytest.fixture
async def bearer_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """The bot configured with X_BEARER_TOKEN alone."""
    w, schema = await make_world(tmp_path_factory, programme_overrides={"intake": INTAKE}, mirror_hashtags=False,
                                 x_client_options={"bearer_only": True})
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_x_with_only_a_bearer_token_searches_queues_every_lead_and_says_once_it_cannot_reply(
    bearer_world: SandboxWorld,
) -> None:
    world = bearer_world
    world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", "ana")
    world.x.add_post(f"Happy to mentor science {TAG}", "bo")
    await world.bot.tick(POLL)
    assert last_report(world).status == "done"
    assert {lead.author_handle: lead.status for lead in await leads_of(world)} == {"ana": "queued", "bo": "queued"}
    assert x_posts(world) == [], "no reply is attempted"
    (told,) = notices(world, "can't reply to posts on X")
    assert "X_BEARER_TOKEN" in told and "X_ACCESS_TOKEN" in told
    assert len(organiser_posts(world)) == 3, "the notice and the two leads with a ready-to-copy reply"

    world.x.add_post(f"Me too please @MentorBot {TAG}", "cy")
    await world.bot.tick(POLL)
    await world.restart()
    await world.bot.tick(POLL)
    assert len(notices(world, "can't reply to posts on X")) == 1, "said once, across restarts"
    assert {lead.status for lead in await leads_of(world)} == {"queued"} and x_posts(world) == []
    assert all(r.status == 200 for r in world.x.log if r.path.startswith("/2/tweets/search"))


async def test_a_401_on_an_x_reply_stops_replies_tells_organisers_once_and_ends_when_the_keys_change(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    world, schema = await make_world(tmp_path_factory, programme_overrides={"intake": INTAKE}, mirror_hashtags=False)
    try:
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", "ana")
        await world.bot.tick(POLL)
        assert x_posts(world) == [201]
        good = world.x.credentials["access_token_secret"]
        world.x.credentials["access_token_secret"] = "rotated-on-the-portal"  # the bot's keys are now stale
        for handle in ("bo", "cy"):
            world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", handle)
        await world.bot.tick(POLL)
        assert x_posts(world) == [201, 401], "one refused reply, then no more attempts"
        assert world.x.oauth_failures == ["signature does not match"]
        (told,) = notices(world, "can't reply to posts on X")
        assert "401" in told
        statuses = {lead.author_handle: lead.status for lead in await leads_of(world)}
        assert statuses == {"ana": "replied", "bo": "queued", "cy": "queued"}

        world.x.add_post(f"Me too @MentorBot {TAG}", "dee")
        await world.bot.tick(POLL)
        await world.restart()  # the same stale keys: still stopped, not told again
        await world.bot.tick(POLL)
        assert x_posts(world) == [201, 401] and len(notices(world, "can't reply to posts on X")) == 1
        assert {lead.author_handle: lead.status for lead in await leads_of(world)}["dee"] == "queued"

        world.x.credentials["access_token_secret"] = good  # fixed: an organiser resumes
        assert world.organiser is not None
        await world.organiser.slash("leads", "resume")
        world.x.add_post(f"And me @MentorBot {TAG}", "eve")
        await world.bot.tick(POLL)
        assert x_posts(world) == [201, 401, 201]
        assert {lead.author_handle: lead.status for lead in await leads_of(world)}["eve"] == "replied"
    finally:
        await world.stop()
        await drop_test_schema(schema)


MASTO_SOURCES = [{"platform": "mastodon", "tag": "EduMentoring", "instance": MASTODON_INSTANCE},
                 {"platform": "mastodon", "tag": "EduMentoring", "instance": OTHER}]


async def test_a_mastodon_token_for_another_instance_still_reads_there_and_says_once_it_cannot_reply(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    world, schema = await make_world(
        tmp_path_factory, programme_overrides={"intake": {**INTAKE, "sources": MASTO_SOURCES}})
    try:
        other = await world.add_mastodon_instance(OTHER)
        world.mastodon.add_post(f"Looking for a mentor {TAG}", "ana")
        other.add_post(f"Looking for a mentor {TAG}", "bo")
        await world.bot.tick("poll-mastodon-edu")
        leads = {lead.author_handle.split("@")[0]: lead.status for lead in await leads_of(world)}
        assert leads == {"ana": "replied", "bo": "queued"}, "the other instance is read, its lead queued"
        assert not notices(world, "stopped reading")
        (told,) = notices(world, "can't reply to posts on Mastodon (other.sandbox)")
        assert "MASTODON_INSTANCE" in told
        other.add_post(f"Me too {TAG}", "cy")
        await world.bot.tick("poll-mastodon-edu")
        await world.restart()
        await world.bot.tick("poll-mastodon-edu")
        assert len(notices(world, "can't reply to posts on Mastodon")) == 1
        assert len(await leads_of(world)) == 3 and not other.replies
    finally:
        await world.stop()
        await drop_test_schema(schema)


BSKY_SOURCES = [{"platform": "bluesky", "tag": "EduMentoring"}, {"platform": "bluesky", "tag": "MentorMatch"}]


async def test_bluesky_is_searched_one_hashtag_at_a_time(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(
        tmp_path_factory, programme_overrides={"intake": {**INTAKE, "sources": BSKY_SOURCES}})
    try:
        world.bluesky.add_post(f"Looking for a mentor {TAG}", "ana")
        world.bluesky.add_post("Happy to mentor #MentorMatch", "bo")
        world.bluesky.add_post(f"Both {TAG} #MentorMatch", "cy")
        await world.bot.tick("poll-bluesky-edu")
        assert len(await leads_of(world)) == 3 and len(world.bluesky.replies) == 3
        queries = sorted(r.path.split("q=")[1].split("&")[0] for r in world.bluesky.log if "searchPosts" in r.path)
        assert queries == ["#EduMentoring", "#MentorMatch"]
    finally:
        await world.stop()
        await drop_test_schema(schema)
