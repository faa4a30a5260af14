"""The erasure work (:mod:`bot.services.erasure_work`) runs whenever the bot runs, whichever cogs load: work a
``/leave`` queued is never left waiting because a cog failed to load or was left out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.sandbox.world import SandboxWorld
from bot.services.erasure_work import FAILED_KEPT, JOB_NAME
from storage.db import transaction
from storage.models import ErasureWorkKind
from storage.queries import erasure_work
from tests.support.database import drop_test_schema
from tests.support.erasure import open_erasure_work
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def no_profiles(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    """A bot without the profiles cog (where /leave lives)."""
    w, schema = await make_world(tmp_path_factory, extensions=["cogs.organisers"])
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


async def test_erasure_work_is_done_and_old_failures_forgotten_without_the_profiles_cog(
        no_profiles: SandboxWorld) -> None:
    world = no_profiles
    world.bot.scheduler.pause()  # the job runs when the test says (tick), not meanwhile
    programme = world.bot.services.programmes.all()[0]
    async with transaction(world.bot.sessions) as s:  # what an earlier /leave left: a rewrite still to do, and
        # a deletion given up on longer ago than it is kept
        await erasure_work.queue_rewrite(session=s, tables=["person"], after_xid=None, now=world.clock.now())
        await erasure_work.queue_post_deletion(session=s, programme_id=programme.id, platform="x", post_id="1",
                                               now=world.clock.now() - FAILED_KEPT - timedelta(days=1))
        (given_up,) = await erasure_work.claim_due(session=s, kind=ErasureWorkKind.DELETE_POST,
                                                   now=world.clock.now(), worker="earlier", limit=1)
        await erasure_work.give_up(session=s, work_id=given_up.id or 0, error="401 Unauthorized",
                                   claim=("earlier", given_up.attempts))
    await world.bot.tick(JOB_NAME)
    assert await open_erasure_work(world) == {}, "the rewrite /leave queued was never done"
    async with world.bot.sessions() as s:
        assert await erasure_work.failed_work(session=s) == [], "a given-up row kept past its retention"
