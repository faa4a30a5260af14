"""Acknowledgements before work: Discord gives each interaction 3 seconds for its first response, and on one
event loop the database work of the clicks that came first would otherwise delay the acknowledgement of those
that came after (1,000 people pressing at once). :class:`AckFirst` orders it: every interaction is registered
the moment it arrives (:meth:`arrived`), and a handler's work after its acknowledgement waits for its turn
(:meth:`turn`) — until every interaction that arrived before that acknowledgement has been acknowledged too.

The work itself then runs in one of a few slots (:meth:`work`, :class:`bot.work_slots.WorkSlots`): turns are
given to many handlers at once (every interaction of a burst is acknowledged within milliseconds of the
others), and a thousand handlers made runnable together would each run a slice of database work before the
event loop reads the next gateway event — the clicks arriving meanwhile would wait behind all of them. With
the slots, a click waits behind a few slices at most, and the work is still done as fast as the database and
the CPU allow; how many slots there are follows the event loop's lag.

Nothing waits for interactions that arrive later (no starvation under a steady stream), nor longer than
:data:`MAX_WAIT_S`, nor for one that is never acknowledged: an interaction counts as settled once its response is done (``is_done``, checked by a
sweep every :data:`SWEEP_S`) or once Discord's window has passed (:data:`WINDOW_S`). Domain code: no discord.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.work_slots import WorkSlots

WINDOW_S = 3.0  # Discord's window for a first response: no one waits longer for an interaction than this
SWEEP_S = 0.05  # how often settled-but-unreported interactions (answered elsewhere) are noticed
MAX_WAIT_S = 1.0  # the most a handler's work waits for its turn: the person is waiting for the answer too


class AckFirst:
    def __init__(self, *, window_s: float = WINDOW_S, sweep_s: float = SWEEP_S, max_wait_s: float = MAX_WAIT_S,
                 slots: WorkSlots | None = None, enabled: bool = True) -> None:
        """``enabled=False``: no ordering and no slots (every turn is immediate), the baseline of ``bench
        interactions``."""
        self.window_s, self.sweep_s, self.max_wait_s, self.enabled = window_s, sweep_s, max_wait_s, enabled
        self.slots = slots if slots is not None else WorkSlots()
        self._seq = 0
        self._pending: dict[int, tuple[int, float, Callable[[], bool]]] = {}  # key -> (seq, arrived, is_done)
        self._heap: list[tuple[int, int]] = []  # (seq, key) of pending interactions, lazily pruned
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()  # (seq to pass, future), seq ascending
        self._sweeper: asyncio.TimerHandle | None = None
        self.last_arrival = -math.inf  # time.monotonic() of the latest interaction

    def busy(self, quiet_s: float) -> bool:
        """Interactions are waiting, or one arrived in the last ``quiet_s`` seconds."""
        return bool(self._pending) or time.monotonic() - self.last_arrival < quiet_s

    @property
    def waiting(self) -> int:
        """Interactions arrived and not yet acknowledged."""
        return len(self._pending)

    def arrived(self, key: int, is_done: Callable[[], bool]) -> None:
        """An interaction arrived (call synchronously, as the gateway event is parsed)."""
        self.last_arrival = time.monotonic()
        if key in self._pending or not self.enabled:
            return
        self._seq += 1
        self._pending[key] = (self._seq, time.monotonic(), is_done)
        heapq.heappush(self._heap, (self._seq, key))
        self._arm()

    def acknowledged(self, key: int) -> None:
        """The interaction's first response was sent."""
        if self._pending.pop(key, None) is not None:
            self._advance()

    async def turn(self) -> None:
        """Wait until every interaction that has arrived so far is acknowledged (or settled, or stale), at most
        ``max_wait_s``."""
        self._advance()
        if not self._pending:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((self._seq, future))
        self._arm()
        try:
            await asyncio.wait_for(future, self.max_wait_s)
        except TimeoutError:
            pass  # the work goes ahead: acknowledgements first, but not at any price

    @asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        """A handler's work after its acknowledgement: its turn (:meth:`turn`), then one of the slots, held
        until the work is done (first come, first served)."""
        await self.turn()
        if not self.enabled:
            yield
            return
        async with self.slots.slot():
            yield

    @property
    def working(self) -> int:
        """Handlers' work running now."""
        return self.slots.working

    # ---- internals ------------------------------------------------------------------------------
    def _low_watermark(self) -> int:
        """The oldest pending sequence number (one past the newest when nothing is pending)."""
        heap = self._heap
        while heap:
            seq, key = heap[0]
            entry = self._pending.get(key)
            if entry is not None and entry[0] == seq:
                return seq
            heapq.heappop(heap)
        return self._seq + 1

    def _advance(self) -> None:
        low = self._low_watermark()
        while self._waiters and self._waiters[0][0] < low:
            _, future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)

    def _sweep(self) -> None:
        """Settle the oldest interactions that were answered elsewhere or whose window has passed."""
        self._sweeper = None
        now = time.monotonic()
        while self._heap:
            seq, key = self._heap[0]
            entry = self._pending.get(key)
            if entry is None or entry[0] != seq:
                heapq.heappop(self._heap)
                continue
            _, arrived, is_done = entry
            if not (now - arrived >= self.window_s or _done(is_done)):
                break
            del self._pending[key]
            heapq.heappop(self._heap)
        self._advance()
        self._arm()

    def _arm(self) -> None:
        if self._sweeper is None and self._pending:  # also without waiters: answered-elsewhere ones are let go
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._sweeper = loop.call_later(self.sweep_s, self._sweep)


def _done(is_done: Callable[[], bool]) -> bool:
    try:
        return bool(is_done())
    except Exception:  # a broken check must not hold every other handler back
        return True
