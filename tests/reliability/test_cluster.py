"""Two bot processes (real OS processes) on one PostgreSQL and one local Discord, one of them killed with
SIGKILL at random moments and started again, while a programme onboards, is matched and nudged."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from bot.sandbox.serve import SandboxServer
from tests.support.reliability import Database, needs_postgres
from tests.support.reliability.cluster import CLUSTER_PACING, Chaos, Cluster
from tests.support.reliability.programme import Run

pytestmark = [pytest.mark.reliability, needs_postgres, pytest.mark.timeout(420)]

# 100 people answer ~1,100 questions while processes die every few seconds: enough to land kills in every phase
# (RELIABILITY_PERSONAS=1000 for a bigger run)
PERSONAS = int(os.environ.get("RELIABILITY_PERSONAS", "100"))
# The weekly digest is off here: cogs/nudges/_send.py finds the organisers' channel through the guild cache,
# which only the process holding the guild's shard has; in the other process the digest is marked failed.
# Turn it on once the digest is posted from any process (see the report of issue #10).
OVERRIDES = {"intake": {"poll_interval_seconds": 15}}


async def test_a_programme_survives_processes_killed_at_random(database: Database, tmp_path: Path) -> None:
    server = await SandboxServer(shard_count=4, pacing=CLUSTER_PACING, programme_overrides=OVERRIDES).start()
    cluster = Cluster(server, database, tmp_path)
    run = Run(cluster, random.Random(20261124))
    try:
        await cluster.start()
        chaos = Chaos(cluster, run.rng).start()
        for i in range(6):
            run.post_on_x(i, mention=i % 3 != 0)
        mentors = PERSONAS * 2 // 5
        await run.onboard(mentors, PERSONAS - mentors)
        assert len(run.finished) == PERSONAS, f"only {len(run.finished)} of {PERSONAS} finished onboarding"
        await run.match_and_announce()
        await run.weeks(31)  # every step of the check-in plan falls due once: day 3, day 14, day 30
        await chaos.stop()
        await run.finish()
        problems = await run.problems()
        assert not problems, "\n".join(problems[:40]) + f"\n{run.timings}\n" + await run.explain(problems)
        assert chaos.kills >= 3, cluster.events
        pairs = await cluster.scalar("SELECT count(*) FROM match")
        sent = await cluster.scalar("SELECT count(*) FROM nudge WHERE status = 'sent'")
        assert pairs >= PERSONAS // 3 and sent >= pairs * 4, (pairs, sent)
        print(f"\n{PERSONAS} personas, {pairs} pairs, {sent} nudges sent, {chaos.kills} kills, {run.timings}")
    finally:
        await cluster.stop()
        await server.stop()
