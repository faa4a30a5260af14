from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import SandboxClock
from bot.intake.x_source import RetryPolicy, XSource
from bot.sandbox.x import SandboxX

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
async def sandbox(clock: SandboxClock) -> AsyncIterator[SandboxX]:
    sx = SandboxX(clock, bot_handle="MentorBot")
    await sx.start()
    yield sx
    await sx.stop()


@pytest.fixture
async def client(sandbox: SandboxX) -> Any:
    return sandbox.make_client()


class Sleeps:
    """Records backoff sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def source(sandbox: SandboxX, client: Any, clock: SandboxClock, sleeps: Sleeps) -> XSource:
    return XSource(
        client,
        bot_user_id=sandbox.bot_account.id,
        bot_handle=sandbox.bot_account.username,
        clock=clock,
        retry=RetryPolicy(tries=3, base_delay=0.5, max_delay=4.0, timeout=2.0),
        sleep=sleeps,
    )
