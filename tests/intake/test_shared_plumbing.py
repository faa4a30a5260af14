"""The plumbing the three sources and the three local APIs share (bot.intake.retry, bot.intake.paging,
bot.sandbox.common): backoff bounds, how a page run ends, and the sandboxes' rate windows and log."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from atproto_client.exceptions import RequestException

from bot.clock import SandboxClock
from bot.intake.paging import RunEnd
from bot.intake.retry import RetryPolicy, backoff
from bot.sandbox.bluesky import SandboxBluesky
from bot.sandbox.common import RateWindow
from bot.sandbox.x.limits import Window
from tests.support.sources import START


def test_backoff_waits_at_most_the_doubling_delay_and_never_more_than_the_cap() -> None:
    policy = RetryPolicy(tries=8, base_delay=1.0, max_delay=5.0)
    rng = random.Random(7)
    for attempt in range(8):
        cap = min(5.0, 2.0**attempt)
        delays = [backoff(policy, attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8  # full jitter: the whole range is used


def test_a_run_numbers_its_pages_and_ends_complete_paused_or_at_max_pages() -> None:
    run = RunEnd()
    first = run.page([], "c1", "9", "5", more=True)
    assert (first.index, first.last, first.cursor) == (0, False, "c1")
    assert run.goes_on(more=True, exhausted=None, max_pages=None)
    assert not run.goes_on(more=True, exhausted=None, max_pages=1), "max_pages stops after one page"

    paused = RunEnd()
    paused.page([], "c1", None, None, more=True)
    reset = START + timedelta(minutes=5)
    assert not paused.goes_on(more=True, exhausted=reset, max_pages=None)
    assert paused.paused_until == reset and not paused.complete

    done = RunEnd()
    last = done.page([], "9", "9", "9", more=False)
    assert last.last and not done.goes_on(more=False, exhausted=reset, max_pages=None)
    assert done.complete and done.paused_until is None, "a finished catch-up is not paused"


def test_a_run_does_not_start_while_the_source_is_rate_limited() -> None:
    class Source:
        def __init__(self, clock: SandboxClock) -> None:
            self.clock = clock
            self.paused_until: datetime | None = START + timedelta(minutes=2)

    clock = SandboxClock(START)
    source = Source(clock)
    run = RunEnd()
    assert run.still_paused(source) and run.paused_until == source.paused_until
    clock.advance(timedelta(minutes=3))
    assert not RunEnd().still_paused(source)


def test_x_and_bluesky_windows_reset_on_whole_seconds_after_their_length() -> None:
    start = START + timedelta(microseconds=250_000)
    x, bsky = Window(2), RateWindow(2, timedelta(minutes=5))
    for window in (x, bsky):
        assert window.take(start) and window.take(start) and not window.take(start)
        assert window.remaining(start) == 0
    assert x.reset_at(start) == START + timedelta(minutes=15, seconds=1)
    assert bsky.reset_at(start) == START + timedelta(minutes=5, seconds=1)
    assert x.headers(start)["x-rate-limit-remaining"] == "0"
    assert x.take(START + timedelta(minutes=15, seconds=1)), "a new window lets requests in again"


async def test_a_local_api_logs_each_request_with_the_sandbox_time_and_exports_it() -> None:
    clock = SandboxClock(START)
    async with SandboxBluesky(clock) as bsky:
        bsky.faults.inject("503", 1, path="/xrpc/app.bsky.actor.getProfile")
        client = bsky.make_client()
        with pytest.raises(RequestException):  # the injected 503
            await client.app.bsky.actor.get_profile({"actor": bsky.bot_account.handle})
        await client.app.bsky.actor.get_profile({"actor": bsky.bot_account.handle})
    exported = bsky.export_log()
    assert [e["status"] for e in exported] == [503, 200]
    assert list(exported[0]) == ["t", "method", "path", "json", "status", "response"]
    assert exported[0]["path"].startswith("/xrpc/app.bsky.actor.getProfile?actor=")
    assert START.isoformat()[:16] == exported[0]["t"][:16], "stamped with the sandbox clock"
    assert bsky.log[1].headers["ratelimit-policy"] == "3000;w=300"
