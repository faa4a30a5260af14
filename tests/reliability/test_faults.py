"""The local Discord answers a share of requests with 5xx, slowly (past the 3-second interaction window) or
with 429, and drops every gateway connection now and then: the programme still completes, same guarantees."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from bot.sandbox.serve import FaultRates, SandboxServer
from tests.support.reliability import Database, needs_postgres
from tests.support.reliability.cluster import CLUSTER_PACING, Cluster
from tests.support.reliability.programme import Run

pytestmark = [pytest.mark.reliability, needs_postgres, pytest.mark.timeout(300)]
PERSONAS = int(os.environ.get("RELIABILITY_FAULT_PERSONAS", "30"))
RATE = float(os.environ.get("RELIABILITY_FAULT_RATE", "0.05"))
OVERRIDES = {"intake": {"poll_interval_seconds": 15}}


async def test_a_programme_completes_through_5xx_timeouts_429s_and_dropped_gateways(
    database: Database, tmp_path: Path
) -> None:
    server = await SandboxServer(shard_count=4, pacing=CLUSTER_PACING, programme_overrides=OVERRIDES).start()
    cluster = Cluster(server, database, tmp_path)
    run = Run(cluster, random.Random(7))
    try:
        await cluster.start()
        server.set_faults(FaultRates.uniform(RATE, seed=3, drop_gateway_every=4.0))
        for i in range(4):
            run.post_on_x(i, mention=True)
        mentors = PERSONAS * 2 // 5
        await run.onboard(mentors, PERSONAS - mentors)
        assert len(run.finished) == PERSONAS
        await run.match_and_announce()
        await run.weeks(14)
        server.set_faults(None)
        await run.finish()
        problems = await run.problems()
        assert not problems, "\n".join(problems[:40]) + "\n" + await run.explain(problems)
        statuses = server.discord.log.statuses()
        assert statuses.count(429) >= 2 and sum(1 for s in statuses if s >= 500) >= 2, "too few faults to mean much"
        assert server.discord.log.events("RESUMED"), "no gateway connection was dropped and resumed"
        print(f"\n{PERSONAS} personas through faults: {run.timings}")
    finally:
        await cluster.stop()
        await server.stop()
