"""Full garbage collections kept out of bursts of interactions.

CPython's cyclic collector runs a full collection whenever the objects that survived since the last one
reach a quarter of the heap; with a big community cached (members, messages, programmes) a full collection
takes 100–200 ms, and during a burst of clicks it ran twice in half a second (``bench interactions
--profile``): every acknowledgement waited behind it. :class:`Heap` moves what survives into CPython's
permanent generation (``gc.freeze``) when the bot is idle, so a burst's collections only scan what the burst
itself allocated. Once an hour (again when idle) everything is unfrozen and collected in full, so cycles
among old objects are still freed. Domain code: no discord.
"""

from __future__ import annotations

import gc
import time

SETTLE_EVERY_S = 10.0  # how often an idle bot settles its heap (cheap: only what is new since the last time)
FULL_EVERY_S = 3600.0  # how often it unfreezes and collects everything
QUIET_S = 1.0  # no interaction arrived for this long: idle


class Heap:
    def __init__(self, *, full_every_s: float = FULL_EVERY_S) -> None:
        self.full_every_s = full_every_s
        self._last_full = time.monotonic()
        self.settled = 0

    def settle(self, *, full: bool = False) -> float:
        """Collect (everything when ``full``) and freeze what survives; the seconds it took."""
        started = time.perf_counter()
        if full:
            gc.unfreeze()
            self._last_full = time.monotonic()
        gc.collect()
        gc.freeze()
        self.settled += 1
        return time.perf_counter() - started

    def when_idle(self, *, busy: bool) -> float:
        """The periodic call: settle unless interactions are being handled."""
        if busy:
            return 0.0
        return self.settle(full=time.monotonic() - self._last_full >= self.full_every_s)
