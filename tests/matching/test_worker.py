"""The solver runs in a worker process while the event loop keeps going."""

from __future__ import annotations

import asyncio

from bot.matching import match, solve_in_worker
from bot.matching.synth import cohort
from bot.matching.worker import shutdown_worker
from tests.support.matching import DAY


async def test_solve_in_worker_gives_the_same_result_and_keeps_the_loop_free() -> None:
    people = cohort(200, 80, seed=5)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    try:
        result = await solve_in_worker(people, reference_date=DAY, forbidden=[("p000200", "p000000")])
    finally:
        beat.cancel()
        shutdown_worker()
    local = match(people, reference_date=DAY, forbidden=[("p000200", "p000000")])
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [(p.mentor_id, p.mentee_id) for p in local.pairs]
    assert ticks > 3
