"""How many handlers work at once follows the event loop: few while their work holds the loop (so a click
arriving meanwhile is read soon), many while it waits on the network (so a slow Discord does not make the
work queue up), and a slot is never lost."""

from __future__ import annotations

import asyncio
import time

from bot.work_slots import WorkSlots


async def test_the_slots_close_down_while_the_work_holds_the_event_loop() -> None:
    slots = WorkSlots(least=2, most=32, start=32, lag_target_s=0.005, probe_s=0.005)
    most_at_once_late, running = 0, 0

    async def cpu_bound(index: int) -> None:
        nonlocal most_at_once_late, running
        async with slots.slot():
            running += 1
            if index >= 150:
                most_at_once_late = max(most_at_once_late, running)
            for _ in range(3):
                time.sleep(0.002)  # noqa: ASYNC251 -- a slice of work that holds the loop (building objects)
                await asyncio.sleep(0)
            running -= 1

    await asyncio.wait_for(asyncio.gather(*(cpu_bound(i) for i in range(200))), 60)
    assert slots.lowest == 2
    assert most_at_once_late <= 8, most_at_once_late  # the latecomers ran a few at a time, not 32
    assert slots.working == 0


async def test_the_slots_open_up_while_the_work_waits_on_the_network() -> None:
    slots = WorkSlots(least=2, most=24, start=2, lag_target_s=0.2, probe_s=0.005)
    running, most_at_once = 0, 0

    async def waits_on_discord() -> None:
        nonlocal running, most_at_once
        async with slots.slot():
            running += 1
            most_at_once = max(most_at_once, running)
            await asyncio.sleep(0.05)  # Discord's answer, the loop free meanwhile
            running -= 1

    await asyncio.wait_for(asyncio.gather(*(waits_on_discord() for _ in range(300))), 60)
    assert slots.limit == 24
    assert most_at_once == 24


class OneSlotHeld:
    """One slot, held until :meth:`release`; workers queued behind it note the order they ran in."""

    def __init__(self) -> None:
        self.slots = WorkSlots(least=1, most=1, start=1)
        self.order: list[int] = []
        self.gate = asyncio.Event()

    async def start(self, workers: int) -> list[asyncio.Task[None]]:
        holder = asyncio.create_task(self._hold())
        await asyncio.sleep(0)
        queued = [asyncio.create_task(self._work(i)) for i in range(workers)]
        await asyncio.sleep(0)
        return [holder, *queued]

    async def _hold(self) -> None:
        async with self.slots.slot():
            await self.gate.wait()

    async def _work(self, index: int) -> None:
        async with self.slots.slot():
            self.order.append(index)


async def test_slots_are_given_in_order_and_a_cancelled_wait_loses_no_slot() -> None:
    held = OneSlotHeld()
    holder, *waiting = await held.start(4)
    waiting[1].cancel()  # gives up while waiting
    await asyncio.sleep(0)
    held.gate.set()
    await asyncio.gather(holder, *waiting, return_exceptions=True)
    assert held.order == [0, 2, 3]
    assert held.slots.working == 0
    await asyncio.wait_for(held.slots.slot().__aenter__(), 0.5)  # the slot is still there


async def test_a_slot_given_to_a_handler_cancelled_before_it_ran_goes_to_the_next() -> None:
    held = OneSlotHeld()
    holder, *waiting = await held.start(3)
    held.gate.set()
    await asyncio.sleep(0)  # the holder gives its slot to worker 0 ...
    waiting[0].cancel()  # ... which is cancelled before it runs
    await asyncio.wait_for(asyncio.gather(holder, *waiting, return_exceptions=True), 2)
    assert held.order == [1, 2]
    assert held.slots.working == 0
