"""The bot settles its heap (collect, then freeze what survives) only while no interaction is arriving, so
a full garbage collection never holds up a burst of acknowledgements."""

from __future__ import annotations

import gc

from bot.ack_first import AckFirst
from bot.heap import QUIET_S, Heap


def test_the_heap_is_settled_when_idle_and_left_alone_while_interactions_arrive() -> None:
    acks, heap = AckFirst(), Heap()
    try:
        acks.arrived(1, lambda: False)  # a click is waiting for its acknowledgement
        assert acks.busy(QUIET_S)
        assert heap.when_idle(busy=acks.busy(QUIET_S)) == 0.0 and heap.settled == 0
        acks.acknowledged(1)
        acks.last_arrival -= QUIET_S  # ... and nothing has arrived since
        assert not acks.busy(QUIET_S)
        heap.when_idle(busy=acks.busy(QUIET_S))
        assert heap.settled == 1 and gc.get_freeze_count() > 0  # what survived is out of the collector's way
    finally:
        gc.unfreeze()


def test_once_an_hour_everything_is_unfrozen_and_collected_in_full() -> None:
    heap = Heap(full_every_s=0.0)
    try:
        heap.settle()
        frozen = gc.get_freeze_count()

        class Cycle:
            def __init__(self) -> None:
                self.me = self

        Cycle()  # garbage in a cycle: only the collector frees it
        heap.when_idle(busy=False)  # full: unfreezes, collects, freezes again
        assert gc.get_freeze_count() <= frozen + 50
        assert not [o for o in gc.get_objects() if type(o).__name__ == "Cycle"]
    finally:
        gc.unfreeze()
