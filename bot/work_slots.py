"""How many handlers' work runs at once, adapted to how late the event loop runs.

Handlers' work (database reads and writes, then Discord's answer) shares one event loop with the gateway: a
click that arrives while many handlers are runnable is read only after each has run its slice. When the work
waits on the network (Discord answers in ~100 ms), many handlers can be under way and the loop stays prompt;
when it is CPU-bound (a burst of a thousand clicks on a machine whose database answers in microseconds), each
handler more under way makes every click arriving meanwhile wait longer, for no more work done per second.

:class:`WorkSlots` measures the loop's lag (how late a timer fires, every :data:`PROBE_S` while work is under
way) and sets the number of slots the way TCP sets its window: down in proportion when the lag passes
:data:`LAG_TARGET_S`, up by one while it stays well under it and work is waiting, between ``least`` and
``most``. Slots are given first come, first served. Domain code: no discord.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

LEAST = 2  # always this many under way: a database round trip must not leave the CPU idle
MOST = 64  # handlers waiting on Discord (~100 ms each) hold a slot while the loop is free for others
START = 8
LAG_TARGET_S = 0.010  # a click read within ~10 ms of its arrival, while work is under way
PROBE_S = 0.010


class WorkSlots:
    def __init__(self, *, least: int = LEAST, most: int = MOST, start: int = START,
                 lag_target_s: float = LAG_TARGET_S, probe_s: float = PROBE_S) -> None:
        self.least, self.most = least, max(least, most)
        self.limit = min(self.most, max(self.least, start))
        self.lag_target_s, self.probe_s = lag_target_s, probe_s
        self.working = 0  # slots held now
        self.lowest = self.limit  # the lowest the limit has been (for tests and the bench)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._probe: asyncio.TimerHandle | None = None
        self._due = 0.0

    @property
    def waiting(self) -> int:
        return sum(1 for f in self._waiters if not f.done())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot while the body runs (waiting, in order, for one to be free)."""
        if self.working >= self.limit or self._waiters:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(granted)
            self._arm()
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():  # granted, then cancelled before it ran
                    self._release()
                raise
        else:
            self.working += 1
            self._arm()
        try:
            yield
        finally:
            self._release()

    # ---- internals ----------------------------------------------------------------------------------------
    def _release(self) -> None:
        self.working -= 1
        self._grant()

    def _grant(self) -> None:
        while self._waiters and self.working < self.limit:
            granted = self._waiters.popleft()
            if not granted.done():
                self.working += 1
                granted.set_result(None)

    def _arm(self) -> None:
        if self._probe is None:
            loop = asyncio.get_running_loop()
            self._due = loop.time() + self.probe_s
            self._probe = loop.call_at(self._due, self._measure)

    def _measure(self) -> None:
        self._probe = None
        lag = asyncio.get_running_loop().time() - self._due
        if lag > self.lag_target_s:
            self.limit = max(self.least, min(self.limit - 1, int(self.limit * self.lag_target_s / lag)))
            self.lowest = min(self.lowest, self.limit)
        elif lag < self.lag_target_s / 2 and self._waiters and self.limit < self.most:
            self.limit += 1
            self._grant()
        if self.working or self._waiters:
            self._arm()
