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
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.serve import SandboxServer
from tests.support.database import PG_URL
from tests.support.reliability import Database, needs_postgres
from tests.support.reliability.cluster import CLUSTER_PACING, Cluster
from tests.support.reliability.programme import Run


def cluster_serving_test_database() -> tuple[str, str] | None:
    """(version, name) of the local pg_ctlcluster cluster listening on TEST_DATABASE_URL's port: the test
    restarts that cluster and no other (a machine may run a shared cluster beside a private one)."""
    if not PG_URL or shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return None
    port = make_url(PG_URL).port or 5432
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == str(port):
            return fields[0], fields[1]
    return None


CLUSTER = cluster_serving_test_database()
pytestmark = [
    pytest.mark.reliability, needs_postgres, pytest.mark.timeout(600),  # minutes longer on a loaded machine
    pytest.mark.skipif(CLUSTER is None, reason="needs the local PostgreSQL cluster of TEST_DATABASE_URL, run by "
                                               "pg_ctlcluster"),
]
PERSONAS = int(os.environ.get("RELIABILITY_PG_PERSONAS", "40"))
OVERRIDES = {"intake": {"poll_interval_seconds": 15}}


async def pg_ctl(action: str) -> int:
    assert CLUSTER is not None
    version, name = CLUSTER
    proc = await asyncio.create_subprocess_exec(
        "pg_ctlcluster", "--skip-systemctl-redirect", version, name, action,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await proc.wait()


async def restart_postgres_later(delay: float) -> None:
    await asyncio.sleep(delay)
    assert await pg_ctl("restart") == 0, "pg_ctlcluster restart failed"


async def test_the_cluster_rides_out_a_postgresql_restart(database: Database, tmp_path: Path) -> None:
    server = await SandboxServer(shard_count=4, pacing=CLUSTER_PACING, programme_overrides=OVERRIDES).start()
    cluster = Cluster(server, database, tmp_path)
    run = Run(cluster, random.Random(5))
    try:
        await cluster.start()
        for i in range(4):
            run.post_on_x(i, mention=True)
        mentors = PERSONAS * 2 // 5
        restart = asyncio.create_task(restart_postgres_later(1.0))  # in the middle of the interviews
        await run.onboard(mentors, PERSONAS - mentors, deadline=300)  # a loaded machine acks slowly: people retry
        await restart
        assert len(run.finished) == PERSONAS
        await run.match_and_announce(timeout=240)
        restart = asyncio.create_task(restart_postgres_later(2.0))  # while nudges are being dispatched
        await run.weeks(14)
        await restart
        await run.finish()
        assert all(b.alive for b in cluster.bots), "a bot process died when PostgreSQL restarted"
        assert all(b.starts == 1 for b in cluster.bots), "a bot process had to be restarted"
        problems = await run.problems()
        assert not problems, "\n".join(problems[:40])
        assert await cluster.scalar("SELECT count(*) FROM nudge WHERE status = 'sent'") > 0
    finally:
        if await pg_ctl("status") != 0:  # always leave PostgreSQL running
            await pg_ctl("start")
        await cluster.stop()
        await server.stop()
