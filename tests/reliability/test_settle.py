"""The cluster harness moves the clock on (or ends a run) only once nudges have settled: a claim left stale by a
process that died is outstanding until a live process takes it over, and one never taken over fails the run with
its story instead of passing as "claimed by nobody alive"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.sandbox.serve import SandboxServer
from tests.support.reliability import Database, needs_postgres
from tests.support.reliability.cluster import STALE_AFTER, Cluster

pytestmark = [pytest.mark.reliability, needs_postgres]

DEAD_WORKER = "gone-host:999999999:0badc0de"  # a pid no live bot process has


@pytest.fixture
async def cluster(database: Database, tmp_path: Path) -> AsyncIterator[Cluster]:
    """A cluster whose bot processes are not running (the test plays them), with one programme in its database."""
    server = await SandboxServer().start()
    try:
        c = Cluster(server, database, tmp_path)
        async with database.engine.begin() as conn:
            await conn.execute(text("INSERT INTO programme (key, name, guild_id, settings, created_at) "
                                    "VALUES ('edu', 'Edu', 1, '{}', :now)"), {"now": server.clock.now()})
        yield c
    finally:
        await server.stop()


async def _claimed_by_the_dead(c: Cluster, claimed_at: datetime) -> int:
    async with c.db.engine.begin() as conn:
        return int((await conn.execute(text(
            "INSERT INTO nudge (programme_id, kind, step_key, occurrence, due_at, status, claimed_by, claimed_at, "
            "attempts) SELECT id, 'checkin', 'week2-checkin', 0, :at, 'claimed', :worker, :at, 1 FROM programme "
            "RETURNING id"), {"at": claimed_at, "worker": DEAD_WORKER})).scalar_one())


async def _set(c: Cluster, nudge_id: int, status: str) -> None:
    async with c.db.engine.begin() as conn:
        await conn.execute(text("UPDATE nudge SET status = :s WHERE id = :id"), {"s": status, "id": nudge_id})


async def test_settling_waits_until_a_dead_processs_stale_claim_is_taken_over_and_sent(cluster: Cluster) -> None:
    nudge_id = await _claimed_by_the_dead(cluster, cluster.server.clock.now() - STALE_AFTER - timedelta(minutes=1))
    settling = asyncio.create_task(cluster.settle_nudges(timeout=30))
    await asyncio.sleep(1.0)
    assert not settling.done(), "settled with a dead process's stale claim not taken over"

    await _set(cluster, nudge_id, "sent")  # a live process released it, claimed it again and sent it
    await asyncio.wait_for(settling, timeout=5)


async def test_settling_does_not_wait_for_a_dead_processs_claim_that_is_not_stale_yet(cluster: Cluster) -> None:
    await _claimed_by_the_dead(cluster, cluster.server.clock.now())
    await asyncio.wait_for(cluster.settle_nudges(timeout=30), timeout=5)  # it waits for the clock to move on


async def test_a_stale_claim_nobody_takes_over_fails_the_run_naming_the_nudge(cluster: Cluster) -> None:
    nudge_id = await _claimed_by_the_dead(cluster, cluster.server.clock.now() - STALE_AFTER - timedelta(minutes=1))
    with pytest.raises(TimeoutError) as failed:
        await cluster.settle_nudges(timeout=1)
    assert f"stale claims not taken over [{nudge_id}]" in str(failed.value)
    assert f"row ({nudge_id}, 'claimed'" in str(failed.value) and DEAD_WORKER in str(failed.value)
