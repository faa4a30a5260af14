"""Intake when X says no: a refused reply (403), revoked credentials (401), server errors (5xx), and two
pollers on one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.intake.x_source import RetryPolicy
from bot.sandbox.world import SandboxWorld
from bot.services.intake import IntakeService
from storage.db import create_engine, session_factory
from tests.support.database import BACKEND, drop_test_schema
from tests.support.intake import (
    POLL,
    TAG,
    add_scenario,
    last_report,
    leads_of,
    organiser_posts,
    replies_per_author,
    searches,
    start_world,
)

pytestmark = pytest.mark.e2e
WORLD_OVERRIDES = {"intake": {"replies_per_hour": 500}}  # the scenarios reply to many leads an hour


@pytest.fixture
async def eager_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """A programme that tries to reply even to posts that don't mention the bot (an exempt X tier)."""
    w, schema = await start_world(tmp_path_factory, reply_only_to_mentions=False)
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_a_refused_reply_puts_the_lead_in_the_organisers_channel_once(eager_world: SandboxWorld) -> None:
    world = eager_world
    world.x.add_post(f"Looking for a mentor in primary science {TAG}", "rosa_teaches", "Rosa")
    await world.bot.tick(POLL)
    refused = [r for r in world.x.log if r.method == "POST" and r.status == 403]
    assert len(refused) == 1 and not world.x.replies
    posts = organiser_posts(world)
    assert len(posts) == 1
    assert "Rosa (@rosa\\_teaches)" in posts[0] and "https://x.com/rosa_teaches/status/" in posts[0]
    assert "reply not allowed" in posts[0] and "```\n@rosa_teaches " in posts[0] and "EDU-" not in posts[0]

    await world.bot.tick(POLL)
    await world.restart()
    await world.bot.tick(POLL)
    assert len(organiser_posts(world)) == 1, "the lead is queued once"
    assert len([r for r in world.x.log if r.method == "POST"]) == 1, "the refused reply is not retried"
    (lead,) = await leads_of(world)
    assert lead.status == "queued"


async def test_revoked_credentials_stop_polling_tell_organisers_once_and_resume_when_fixed(world: SandboxWorld) -> None:
    await world.bot.tick(POLL)  # the bot has its X client ...
    for handle in ("ana", "bo", "cy"):
        world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", handle)
    good = world.x.credentials["bearer_token"]
    world.x.credentials["bearer_token"] = "revoked"  # ... and then X revokes the app's token
    await world.bot.tick(POLL)
    assert last_report(world).status == "disabled"
    (notice,) = organiser_posts(world)
    assert "stopped reading #EduMentoring" in notice and "401" in notice and "/leads resume" in notice

    before = searches(world.x)
    await world.bot.tick(POLL)
    await world.restart()
    await world.bot.tick(POLL)
    assert searches(world.x) == before, "no searches while stopped"
    assert len(organiser_posts(world)) == 1, "organisers are told once"

    world.x.credentials["bearer_token"] = good
    assert world.organiser is not None
    result = await world.organiser.slash("leads", "resume")
    assert "Polling X again" in result.content and "done" in result.content
    assert len(await leads_of(world)) == 3 and len(world.x.replies) == 3


async def test_server_errors_are_retried_with_backoff_and_a_failed_poll_loses_nothing(world: SandboxWorld) -> None:
    expected = add_scenario(world.x)
    world.bot.services.intake.clients.retry = RetryPolicy(tries=3, base_delay=0.01, max_delay=0.02, timeout=5.0)
    world.x.faults.inject("503", 2, path="/2/tweets/search")
    await world.bot.tick(POLL)
    assert last_report(world).status == "done"
    assert [r.status for r in world.x.log if r.path.startswith("/2/tweets/search")][:3] == [503, 503, 200]

    world.x.add_post(f"Happy to mentor @MentorBot {TAG}", "late_mentor")
    world.x.faults.inject("503", 3, path="/2/tweets/search")
    await world.bot.tick(POLL)
    assert last_report(world).status == "failed"
    await world.bot.tick(POLL)
    assert last_report(world).status == "done"
    assert len(await leads_of(world)) == expected["leads"] + 1
    assert replies_per_author(world.x)["late_mentor"] == 1


async def test_only_one_poller_runs_when_two_bots_share_the_database(world: SandboxWorld) -> None:
    expected = add_scenario(world.x)
    assert world.engine is not None
    # another bot process: its own engine on PostgreSQL (the advisory lock decides); on SQLite the process is alone
    engine = create_engine(world.database_url, schema=world.schema) if BACKEND == "postgresql" else world.engine
    try:
        other = IntakeService(world.bot.services.programmes, session_factory(engine), world.clock, world.x.make_client)
        programme = world.bot.services.programmes.all()[0]
        cog = world.bot.get_cog("Intake")
        assert cog is not None
        world.x.faults.inject("slow", 1, delay=0.3, path="/2/tweets/search")
        reports = await asyncio.gather(
            world.bot.services.intake.poll(programme, cog.queue),  # type: ignore[attr-defined]
            other.poll(programme, cog.queue),  # type: ignore[attr-defined]
        )
        assert sorted(r.status for r in reports) == ["done", "locked"]
        assert len(await leads_of(world)) == expected["leads"]
        assert max(replies_per_author(world.x).values()) == 1
        assert len(organiser_posts(world)) == expected["queued"]
    finally:
        if engine is not world.engine:
            await engine.dispose()


async def test_replies_are_paced_by_replies_per_hour(tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await start_world(tmp_path_factory, replies_per_hour=2)
    try:
        for handle in ("ann", "bea", "col", "dot"):
            world.x.add_post(f"Looking for a mentor @MentorBot {TAG}", handle)
        await world.bot.tick(POLL)
        await world.bot.tick(POLL)
        assert len(world.x.replies) == 2, "two replies in the first hour"
        world.clock.advance(timedelta(minutes=61))
        await world.bot.tick(POLL)
        assert len(world.x.replies) == 4
        assert max(replies_per_author(world.x).values()) == 1
        assert {lead.status for lead in await leads_of(world)} == {"replied"}
    finally:
        await world.stop()
        await drop_test_schema(schema)
