"""Everything the bot sends goes through one pacer: fast, but never faster than configured."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.nudges.config import PacingConfig
from bot.nudges.pacing import Pacer, send_paced
from tests.support.virtual_time import VirtualClock


def make(cfg: PacingConfig) -> tuple[Pacer, VirtualClock]:
    clock = VirtualClock()
    return Pacer(cfg, monotonic=clock.monotonic, sleep=clock.sleep), clock


def assert_within_bucket(times: list[float], rate: float, burst: int) -> None:
    """No stretch of grants ever beats the token bucket: n grants within d seconds needs n <= burst + rate*d."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, len(times)):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6, (i, j)


def peak_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - 1.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_burst_of_messages_reaches_ninety_percent_of_rate_and_never_exceeds_it() -> None:
    cfg = PacingConfig()  # 25/s, burst 5
    pacer, clock = make(cfg)
    grants: list[float] = []

    async def send_all() -> None:
        for _ in range(400):
            await pacer.acquire("message")
            grants.append(clock.now)

    await clock.run(send_all())
    sustained = grants[cfg.burst :]
    rate = (len(sustained) - 1) / (sustained[-1] - sustained[0])
    assert 0.9 * cfg.messages_per_second <= rate <= cfg.messages_per_second * (1 + 1e-9)
    assert_within_bucket(grants, cfg.messages_per_second, cfg.burst)
    assert peak_in_one_second(grants) <= cfg.messages_per_second + cfg.burst < 50
    stats = pacer.stats()
    assert stats.messages == 400
    assert stats.achieved_per_second >= 0.9 * cfg.messages_per_second
    assert stats.peak_per_second == peak_in_one_second(grants)


async def test_many_concurrent_senders_share_the_rate_in_arrival_order() -> None:
    cfg = PacingConfig(messages_per_second=40, burst=8)
    pacer, clock = make(cfg)
    grants: list[tuple[float, int]] = []

    async def one(i: int) -> None:
        await pacer.acquire("message")
        grants.append((clock.now, i))

    await clock.run(*(one(i) for i in range(300)))
    assert [i for _t, i in grants] == list(range(300))
    times = [t for t, _i in grants]
    assert_within_bucket(times, 40, 8)
    assert (300 - 8) / (times[-1] - times[0]) >= 0.9 * 40


async def test_new_dm_channels_are_capped_per_minute_without_holding_up_messages() -> None:
    cfg = PacingConfig(new_dms_per_minute=30, new_dm_burst=1)
    pacer, clock = make(cfg)
    dm_grants: list[float] = []
    message_grants: list[float] = []

    async def open_dms() -> None:
        for _ in range(20):
            await pacer.acquire("new_dm")
            dm_grants.append(clock.now)

    async def send_messages() -> None:
        for _ in range(100):
            await pacer.acquire("message")
            message_grants.append(clock.now)

    start = clock.now
    await clock.run(open_dms(), send_messages())
    assert_within_bucket(dm_grants, 30 / 60, 1)
    dm_rate = (len(dm_grants) - 1) / (dm_grants[-1] - dm_grants[0])
    assert 0.9 * 0.5 <= dm_rate <= 0.5 + 1e-9
    # 100 messages at 25/s take about 4 s even though the 20 DM openings take 38 s
    assert message_grants[-1] - start < 5.0
    # opening a DM is a request too: everything together stays within the global bucket
    assert_within_bucket(sorted(dm_grants + message_grants), cfg.messages_per_second, cfg.burst)
    assert pacer.stats().new_dms == 20 and pacer.stats().messages == 120


async def test_a_429_pauses_everyone_for_retry_after() -> None:
    pacer, clock = make(PacingConfig())
    grants: list[float] = []

    async def scenario() -> None:
        await pacer.acquire()
        pacer.penalise(2.5)
        t0 = clock.now
        for _ in range(3):
            await pacer.acquire()
            grants.append(clock.now - t0)

    await clock.run(scenario())
    assert grants[0] >= 2.5
    assert pacer.stats().penalties == 1


def test_bogus_retry_after_values_are_bounded() -> None:
    clock = VirtualClock()
    pacer = Pacer(PacingConfig(), monotonic=clock.monotonic, sleep=clock.sleep)
    pacer.penalise(0)
    pacer.penalise(-3)
    assert pacer.stats().penalties == 0
    pacer.penalise(1e9)
    assert pacer.stats().paused_until == clock.now + 600


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


def retry_after_of(exc: BaseException) -> float | None:
    return exc.retry_after if isinstance(exc, RateLimited) else None


async def test_send_paced_waits_retry_after_and_carries_on() -> None:
    pacer, clock = make(PacingConfig())
    calls: list[float] = []

    async def flaky_send() -> str:
        calls.append(clock.now)
        if len(calls) == 1:
            raise RateLimited(1.5)
        return "sent"

    (result,) = await clock.run(send_paced(pacer, flaky_send, retry_after_of=retry_after_of))
    assert result == "sent"
    assert calls[1] - calls[0] >= 1.5


async def test_send_paced_reraises_other_errors_and_gives_up_after_max_attempts() -> None:
    pacer, clock = make(PacingConfig())

    async def forbidden() -> None:
        raise PermissionError("DMs closed")

    async def always_limited() -> None:
        raise RateLimited(0.1)

    with pytest.raises(PermissionError):
        await clock.run(send_paced(pacer, forbidden, retry_after_of=retry_after_of))
    with pytest.raises(RateLimited):
        await clock.run(send_paced(pacer, always_limited, retry_after_of=retry_after_of, max_attempts=3))
    assert pacer.stats().penalties == 2


async def test_real_clock_pacer_really_waits() -> None:
    pacer = Pacer(PacingConfig(messages_per_second=40, burst=1))
    t0 = time.monotonic()
    for _ in range(9):
        await pacer.acquire()
    assert time.monotonic() - t0 >= 8 / 40 * 0.95


async def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown send kind"):
        await Pacer().acquire("broadcast")  # type: ignore[arg-type]
    await asyncio.sleep(0)
