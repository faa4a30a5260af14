"""Exactly once across processes when a claim goes stale under a live process (a slow search, a database
away, a clock that jumps while a send is in flight) and another process takes the nudge over: the first never
sends it too, nor hands it back; the person gets one check-in, not two."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.runtime import build_bot
from bot.sandbox.connect import sandbox_mentorbot_kwargs
from bot.sandbox.discord.runner import BotRunner
from bot.sandbox.world import SandboxWorld
from bot.services.nudges import Delivery, marker
from bot.services.nudges.dispatch import NudgeDispatcher, Posted
from cogs.nudges._send import DiscordNudgeChannels
from storage.queries import nudges as nq
from tests.support.pairs import Pair, dms_of, make_pair, organiser_posts

pytestmark = pytest.mark.e2e

HELD_S = 10.0
WAIT_S = 8.0  # what Discord told the first process to wait (seconds here; up to an hour in real life)
CUT_OFF: contextvars.ContextVar[bool] = contextvars.ContextVar("cut_off", default=False)


class CutOff:
    """The database link of one process (the tasks run with ``CUT_OFF`` set) breaks right after it claims
    nudges, and stays broken until :meth:`restore`; the other process keeps its connection."""

    def __init__(self, world: SandboxWorld) -> None:
        assert world.engine is not None
        self.engine = world.engine.sync_engine
        self.down = False
        self.failures = 0
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.down and CUT_OFF.get():
            self.failures += 1
            raise OperationalError(statement, None, ConnectionResetError("connection to the database lost"))

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sql = statement.upper()
        if CUT_OFF.get() and "UPDATE NUDGE" in sql and "RETURNING" in sql:
            self.down = True  # the claim went through; the link breaks now

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


class SlowSearch(DiscordNudgeChannels):
    """Discord, where searching for a nudge sent before is slow: the search finds nothing, and its answer
    arrives only when ``answer`` is set (paging through a busy channel, waiting for the new-DM cap)."""

    def __init__(self, world: SandboxWorld) -> None:
        super().__init__(world.bot)
        self.searching = asyncio.Event()
        self.answer = asyncio.Event()

    async def find_sent(self, delivery: Delivery) -> Posted | None:
        found = await super().find_sent(delivery)
        self.searching.set()
        await self.answer.wait()
        return found


def _copies(pair: Any, nudge_id: int) -> int:
    return len([m for p in (pair.mentor, pair.mentee) for m in dms_of(p.persona) if marker(nudge_id) in m])


async def test_a_claim_taken_over_during_a_slow_search_is_not_sent_by_the_searcher(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "Slow")
    service = nworld.bot.services.nudges
    await service.plan_match(pair.match_id)
    slow = SlowSearch(nworld)
    searcher = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, slow)
    other = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    nworld.discord.faults.fail_next(503, method="POST", path_contains="/messages", count=2)
    nworld.clock.advance(timedelta(days=3, minutes=1))
    assert await other.run() == 2  # Discord failed both: each is retried later, looked for first
    assert dms_of(pair.mentor.persona) == [] and dms_of(pair.mentee.persona) == []

    nworld.clock.advance(timedelta(minutes=6))
    searching = asyncio.create_task(searcher.run())
    await asyncio.wait_for(slow.searching.wait(), timeout=10)
    nworld.clock.advance(timedelta(minutes=6))  # the searcher's claims look stale: the other process takes over
    assert await other.run() == 2
    nworld.clock.advance(timedelta(minutes=6))  # past Discord's few minutes: a nonce no longer dedupes a resend
    slow.answer.set()  # the searcher's (old) answer: nothing found
    await asyncio.wait_for(searching, timeout=30)

    async with nworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.due_at <= nworld.clock.now()]
    assert len(rows) == 2 and all(n.status == "sent" for n in rows)
    assert [_copies(pair, n.id or 0) for n in rows] == [1, 1]


def _cut_off_task(coro: Any) -> asyncio.Task[Any]:
    ctx = contextvars.copy_context()
    ctx.run(CUT_OFF.set, True)
    return asyncio.create_task(coro, context=ctx)


async def test_a_claim_taken_over_while_its_process_was_cut_off_is_not_sent_twice(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "Cut")
    service = nworld.bot.services.nudges
    await service.plan_match(pair.match_id)
    first = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    other = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    link = CutOff(nworld)
    try:
        nworld.clock.advance(timedelta(days=3, minutes=1))
        cut_off = _cut_off_task(first.run())
        for _ in range(200):  # preparing failed, then recording the failure: it keeps trying (backing off)
            if link.failures >= 2:
                break
            await asyncio.sleep(0.01)
        assert link.failures >= 2 and not cut_off.done()

        nworld.clock.advance(timedelta(minutes=6))  # its claims look stale now: the other process takes over
        assert await other.run() > 0
        sent_once = [m for p in (pair.mentor, pair.mentee) for m in dms_of(p.persona) if "ref:n" in m]
        assert sent_once, "the other process sent nothing"

        link.restore()  # the first process's retries go through now
        await asyncio.wait_for(cut_off, timeout=30)
        async with nworld.bot.sessions() as s:  # not handed back: what the other process sent stays sent
            taken = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id) if n.attempts == 2]
        assert taken and all(n.status == "sent" for n in taken)
        for _ in range(3):  # later runs, past any retry delay, in both processes
            nworld.clock.advance(timedelta(minutes=6))
            await other.run()
            await first.run()
    finally:
        link.close()

    async with nworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.due_at <= nworld.clock.now()]
    assert rows and all(n.status == "sent" for n in rows)
    assert [_copies(pair, n.id or 0) for n in rows] == [1] * len(rows)


async def test_a_claim_taken_over_while_its_send_is_in_flight_leaves_one_check_in(nworld: SandboxWorld) -> None:
    pair = await make_pair(nworld, "Flight")
    service = nworld.bot.services.nudges
    await service.plan_match(pair.match_id)
    first = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    other = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    mentee_dm = nworld.discord.state.open_dm(pair.mentee.persona.id)
    # the first process's check-in to the mentee is on its way: Discord takes a while to get to it
    nworld.discord.faults.slow_next(1.5, method="POST", path_contains=f"/channels/{mentee_dm.id}/messages")
    nworld.clock.advance(timedelta(days=3, minutes=1))
    sending = asyncio.create_task(first.run())
    for _ in range(300):
        if nworld.discord.faults.fired and dms_of(pair.mentor.persona):
            break
        await asyncio.sleep(0.01)
    assert nworld.discord.faults.fired and not sending.done(), "the send never got in flight"

    nworld.clock.advance(timedelta(minutes=6))  # the clock jumps: the claim in flight looks stale and is taken over
    assert await other.run() == 1  # it looks for the check-in (not there yet) and sends it
    await asyncio.wait_for(sending, timeout=30)  # the first send lands now

    async with nworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.due_at <= nworld.clock.now()]
    assert len(rows) == 2 and all(n.status == "sent" for n in rows)
    assert [_copies(pair, n.id or 0) for n in rows] == [1, 1], "the mentee got the check-in twice"


async def test_a_late_failure_of_a_stale_claim_neither_gives_up_nor_hands_back_what_its_new_holder_sends(
    nworld: SandboxWorld,
) -> None:
    pair = await make_pair(nworld, "Late")
    service = nworld.bot.services.nudges
    service.max_attempts = 1  # the first process's attempt is the last one: its failure would give the nudge up
    await service.plan_match(pair.match_id)
    first = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, DiscordNudgeChannels(nworld.bot))
    slow = SlowSearch(nworld)
    other = NudgeDispatcher(service, nworld.bot.services.programmes, nworld.clock, slow)
    link = CutOff(nworld)
    try:
        nworld.clock.advance(timedelta(days=3, minutes=1))
        cut_off = _cut_off_task(first.run())
        for _ in range(200):  # preparing failed, then recording the failure: it keeps trying (backing off)
            if link.failures >= 2:
                break
            await asyncio.sleep(0.01)
        assert link.failures >= 2 and not cut_off.done()

        nworld.clock.advance(timedelta(minutes=6))  # its claims look stale: the other process takes them over
        taking_over = asyncio.create_task(other.run())
        await asyncio.wait_for(slow.searching.wait(), timeout=10)  # …and is looking for earlier copies
        link.restore()  # now the first process's failure is written: the claims are no longer its own
        await asyncio.wait_for(cut_off, timeout=30)
        slow.answer.set()
        await asyncio.wait_for(taking_over, timeout=30)
    finally:
        link.close()

    async with nworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.due_at <= nworld.clock.now()]
    assert [n.status for n in rows] == ["sent", "sent"], "a nudge being sent was given up (or handed back)"
    assert [_copies(pair, n.id or 0) for n in rows] == [1, 1]
    assert not [p for p in organiser_posts(nworld) if "given up" in p], "the organisers heard of a failure that wasn't"


@asynccontextmanager
async def two_processes(nworld: SandboxWorld, tag: str, *, stale_after: timedelta | None = None,
                        ) -> AsyncIterator[tuple[Pair, NudgeDispatcher, NudgeDispatcher, int]]:
    """A pair whose check-ins are planned, and the check-in dispatchers of two processes of one cluster (the
    world's bot and a second with its own connections to Discord): (pair, first, other, the mentee's DM id)."""
    assert nworld.settings is not None and nworld.engine is not None
    settings, engine = nworld.settings, nworld.engine
    runner = BotRunner(nworld.discord, lambda: build_bot(settings, engine, clock=nworld.clock,
                                                         extensions=["cogs.nudges"], **sandbox_mentorbot_kwargs()))
    try:
        second = await runner.start()
        for bot in (nworld.bot, second):
            bot.scheduler.pause()
            if stale_after is not None:
                bot.services.nudges.stale_after = stale_after
        pair = await make_pair(nworld, tag)
        await nworld.bot.services.nudges.plan_match(pair.match_id)
        first = NudgeDispatcher(nworld.bot.services.nudges, nworld.bot.services.programmes, nworld.clock,
                                DiscordNudgeChannels(nworld.bot))
        other = NudgeDispatcher(second.services.nudges, second.services.programmes, nworld.clock,
                                DiscordNudgeChannels(second))
        yield pair, first, other, nworld.discord.state.open_dm(pair.mentee.persona.id).id
    finally:
        await runner.stop()


async def _in_flight(nworld: SandboxWorld, sending: asyncio.Task[Any], why: str,
                     also: Callable[[], object] = lambda: True) -> None:
    """Until Discord has met the fault (and ``also`` holds), the send still going on."""
    for _ in range(300):
        if nworld.discord.faults.fired and also():
            break
        await asyncio.sleep(0.01)
    assert nworld.discord.faults.fired and not sending.done(), why


async def test_a_check_in_held_by_discord_while_the_test_clock_jumps_on_twice_is_sent_once(
    nworld: SandboxWorld,
) -> None:
    """The reliability harness jumps the clock days at a time: never while Discord is answering a request (a
    request in flight across a jump would be days old, out of Discord's nonce window, where no real one is)."""
    async with two_processes(nworld, "Held") as (pair, first, other, mentee_dm):
        # Discord holds the first process's check-in to the mentee a while (a loaded machine)
        nworld.discord.faults.slow_next(HELD_S, method="POST", path_contains=f"/channels/{mentee_dm}/messages")
        nworld.clock.advance(timedelta(days=3, minutes=1))
        sending = asyncio.create_task(first.run())
        await _in_flight(nworld, sending, "the send never got in flight", also=lambda: dms_of(pair.mentor.persona))

        await nworld.discord.jump_clock(timedelta(minutes=6))  # the harness moves on; the claim is stale by then
        await other.run()  # the other process takes over what is stale: looks for the check-in, sends it if not there
        await nworld.discord.jump_clock(timedelta(days=2))  # and the harness moves on again
        await asyncio.wait_for(sending, timeout=30)

    async with nworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.due_at <= nworld.clock.now() - timedelta(days=2)]
    assert len(rows) == 2 and all(n.status == "sent" for n in rows)
    assert [_copies(pair, n.id or 0) for n in rows] == [1, 1], "the mentee got the check-in twice"


async def test_a_send_told_to_wait_past_its_claims_lease_is_cancelled_and_the_check_in_sent_once(
    nworld: SandboxWorld,
) -> None:
    """Discord tells the first process to retry in a while (a 429; a Cloudflare ban lasts an hour); meanwhile its
    claim goes stale and the other process takes the check-in over and sends it. The first, waiting inside the
    request, must not send it again minutes later — past Discord's nonce window."""
    # a short lease (5 minutes in production)
    async with two_processes(nworld, "Wait", stale_after=timedelta(seconds=2)) as (pair, first, other, mentee_dm):
        nworld.discord.faults.rate_limit_next(WAIT_S, method="POST", path_contains=f"/channels/{mentee_dm}/messages")
        nworld.clock.advance(timedelta(days=3, minutes=1))
        sending = asyncio.create_task(first.run())
        await _in_flight(nworld, sending, "Discord never told the first process to wait")

        await asyncio.sleep(2.5)  # the first process's claim is stale now
        await other.run()  # the other process takes over what is stale (and due) and sends it
        await nworld.discord.jump_clock(timedelta(minutes=6))  # minutes pass (no request at Discord meanwhile)
        await other.run()  # …and again, what fell due
        await asyncio.wait_for(sending, timeout=30)  # the first process's wait is over

    async with nworld.bot.sessions() as s:
        rows = [n for n in await nq.nudges_of_match(session=s, match_id=pair.match_id)
                if n.step_key == "day3-met"]
    assert len(rows) == 2 and all(n.status == "sent" for n in rows), [(n.id, n.status) for n in rows]
    assert [_copies(pair, n.id or 0) for n in rows] == [1, 1], "the mentee got the check-in twice"
