"""A virtual monotonic clock for pacing tests: time only moves when every task is waiting."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any


class VirtualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), fut))
        await fut

    async def run(self, *aws: Awaitable[Any]) -> list[Any]:
        """Run ``aws`` to completion, advancing time to the next sleeper whenever all are blocked."""
        tasks = [asyncio.ensure_future(a) for a in aws]
        while not all(t.done() for t in tasks):
            for _ in range(30):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            if not self._sleepers:
                raise RuntimeError("deadlock: tasks are waiting but nobody is sleeping")
            wake_at = self._sleepers[0][0]
            self.now = max(self.now, wake_at)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, fut = heapq.heappop(self._sleepers)
                if not fut.done():
                    fut.set_result(None)
        return [t.result() for t in tasks]
