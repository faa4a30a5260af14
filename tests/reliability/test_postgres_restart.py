"""PostgreSQL restarted under a running cluster: the bot processes reconnect (pool pre-ping; a failed event
is asked again by the person, a failed job runs again next interval, a failed X poll within seconds) and
nothing is lost.

The X posts are made just before the first restart, so the first poll may meet the outage; the sandbox clock
then runs through 14 days in well under a minute, past X's 7-day search window. Before polls were retried
within their interval, a poll lost to the outage waited 15 s for its next turn, by which time the posts had
left the window: about one run in five lost them."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest

from bot.sandbox.serve import SandboxServer
from tests.support.reliability import Database, needs_postgres
from tests.support.reliability.cluster import CLUSTER_PACING, Cluster
from tests.support.reliability.private_postgres import PrivatePostgres, private_database, unavailable
from tests.support.reliability.programme import Run

NO_PRIVATE_SERVER = unavailable()
pytestmark = [
    pytest.mark.reliability, needs_postgres, pytest.mark.timeout(600),  # a hang guard: a loaded 2-core machine is slow
    pytest.mark.skipif(NO_PRIVATE_SERVER is not None, reason=f"needs a private PostgreSQL server: {NO_PRIVATE_SERVER}"),
]
PERSONAS = int(os.environ.get("RELIABILITY_PG_PERSONAS", "24"))  # all interviewing at once (24 at a time)
OVERRIDES = {"intake": {"poll_interval_seconds": 15}}


async def restart_postgres_later(server: PrivatePostgres, delay: float) -> None:
    await asyncio.sleep(delay)
    assert await server.restart() == 0, "pg_ctl restart failed"


async def test_the_cluster_rides_out_a_postgresql_restart(tmp_path: Path) -> None:
    """On a PostgreSQL server of this test's own (restarting the shared one would break every other test)."""
    async with private_database() as (postgres, database):
        await _ride_out_restarts(postgres, database, tmp_path)


async def _ride_out_restarts(postgres: PrivatePostgres, database: Database, tmp_path: Path) -> None:
    server = await SandboxServer(shard_count=4, pacing=CLUSTER_PACING, programme_overrides=OVERRIDES).start()
    cluster = Cluster(server, database, tmp_path)
    run = Run(cluster, random.Random(5))
    try:
        await cluster.start()
        for i in range(4):
            run.post_on_x(i, mention=True)
        mentors = PERSONAS * 2 // 5
        restart = asyncio.create_task(restart_postgres_later(postgres, 1.0))  # in the middle of the interviews
        await run.onboard(mentors, PERSONAS - mentors, deadline=300)  # a loaded machine acks slowly: people retry
        await restart
        assert len(run.finished) == PERSONAS
        await run.match_and_announce(timeout=240)
        restart = asyncio.create_task(restart_postgres_later(postgres, 2.0))  # while nudges are being dispatched
        await run.weeks(14)
        await restart
        await run.finish()
        assert all(b.alive for b in cluster.bots), "a bot process died when PostgreSQL restarted"
        assert all(b.starts == 1 for b in cluster.bots), "a bot process had to be restarted"
        problems = await run.problems()
        assert not problems, "\n".join(problems[:40]) + "\n" + await run.explain(problems)
        assert await cluster.scalar("SELECT count(*) FROM nudge WHERE status = 'sent'") > 0
        print(f"\n{PERSONAS} personas through two PostgreSQL restarts: {run.timings}")
    finally:
        await cluster.stop()
        await server.stop()
