"""Acknowledgements before work: a handler's work after its acknowledgement waits until every interaction
that arrived before has been acknowledged, so 1,000 clicks at once are all answered before any of them
touches the database — and nothing waits for later arrivals, or for a click answered elsewhere."""

from __future__ import annotations

import asyncio

from bot.ack_first import AckFirst
from bot.work_slots import WorkSlots


async def test_work_waits_until_every_earlier_arrival_is_acknowledged() -> None:
    acks = AckFirst()
    for key in (1, 2, 3):
        acks.arrived(key, lambda: False)
    order: list[str] = []

    async def handler(key: int) -> None:
        await asyncio.sleep(0.01 * key)  # the acknowledgements come back one after another
        order.append(f"ack {key}")
        acks.acknowledged(key)
        await acks.turn()
        order.append(f"work {key}")

    await asyncio.gather(*(handler(k) for k in (1, 2, 3)))
    assert order[:3] == ["ack 1", "ack 2", "ack 3"], order
    assert sorted(order[3:]) == ["work 1", "work 2", "work 3"]


async def test_later_arrivals_do_not_hold_back_earlier_work() -> None:
    acks = AckFirst()
    acks.arrived(1, lambda: False)
    acks.acknowledged(1)
    acks.arrived(2, lambda: False)
    turn = asyncio.create_task(acks.turn())
    await asyncio.sleep(0.01)
    assert not turn.done(), "2 arrived before the turn was asked for: it is acknowledged first"
    acks.acknowledged(2)
    await asyncio.wait_for(turn, 1)

    acks.arrived(3, lambda: False)
    acks.acknowledged(3)
    turn = asyncio.create_task(acks.turn())
    await asyncio.sleep(0)  # the turn is asked for ...
    acks.arrived(4, lambda: False)  # ... before 4 arrives: not waited for the turn was asked for: not waited for
    await asyncio.wait_for(turn, 1)
    assert acks.waiting == 1


async def test_an_interaction_answered_elsewhere_or_too_old_releases_the_others() -> None:
    answered = False
    acks = AckFirst(window_s=10, sweep_s=0.01, max_wait_s=10)
    acks.arrived(1, lambda: answered)  # e.g. a slash command that answers directly
    acks.arrived(2, lambda: False)
    acks.acknowledged(2)
    turn = asyncio.create_task(acks.turn())
    await asyncio.sleep(0.05)
    assert not turn.done()
    answered = True
    await asyncio.wait_for(turn, 1)

    stale = AckFirst(window_s=0.05, sweep_s=0.01, max_wait_s=10)
    stale.arrived(1, lambda: False)  # never answered: after Discord's window nobody waits for it any more
    await asyncio.wait_for(stale.turn(), 1)


async def test_the_baseline_without_ordering_never_waits() -> None:
    acks = AckFirst(enabled=False)
    acks.arrived(1, lambda: False)
    await asyncio.wait_for(acks.turn(), 0.1)


async def test_interactions_answered_elsewhere_are_let_go_even_when_nobody_waits() -> None:
    acks = AckFirst(sweep_s=0.01)
    for key in range(100):  # e.g. slash commands that answer directly: nobody asks for a turn
        acks.arrived(key, lambda: True)
    await asyncio.sleep(0.05)
    assert acks.waiting == 0


async def test_no_work_waits_longer_than_the_cap() -> None:
    acks = AckFirst(window_s=10, max_wait_s=0.05)
    acks.arrived(1, lambda: False)  # never acknowledged, still within Discord's window
    await asyncio.wait_for(acks.turn(), 1)


async def test_a_burst_of_turns_runs_a_few_handlers_at_a_time_so_new_clicks_are_read_between_them() -> None:
    """Turns are given to a whole burst at once; the slots keep all but a few of those handlers waiting, so the
    event loop reads the next gateway event after a few slices of work, not after one slice of each."""
    acks = AckFirst(slots=WorkSlots(least=4, most=4))
    for key in range(50):
        acks.arrived(key, lambda: False)
    running, most = 0, 0
    slices_before_a_new_click: list[int] = []
    slices = 0

    async def handler(key: int) -> None:
        nonlocal running, most, slices
        acks.acknowledged(key)
        async with acks.work():
            running += 1
            most = max(most, running)
            for _ in range(3):  # three slices of work, each ending in a wait on the database
                slices += 1
                await asyncio.sleep(0)
            running -= 1

    async def new_click() -> None:  # a gateway event arriving meanwhile: how many slices ran before it was read
        await asyncio.sleep(0)
        slices_before_a_new_click.append(slices)

    await asyncio.gather(*(handler(k) for k in range(50)), new_click())
    assert most == 4
    assert slices_before_a_new_click[0] <= 4 * 3, slices_before_a_new_click


async def test_work_slots_are_given_back_when_the_work_fails() -> None:
    acks = AckFirst(slots=WorkSlots(least=1, most=1))

    async def failing() -> None:
        async with acks.work():
            raise RuntimeError("the database went away")

    for _ in range(3):
        try:
            await failing()
        except RuntimeError:
            pass
    await asyncio.wait_for(acks.work().__aenter__(), 0.1)
