"""Fixtures for the intake sources: the local X, Bluesky and Mastodon on a sandbox clock, a client of each,
and a source of each with recorded (not slept) backoff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.clock import SandboxClock
from bot.intake.bluesky_source import BlueskySource
from bot.intake.mastodon_source import MastodonSource
from bot.intake.x_source import RetryPolicy, XSource
from bot.sandbox.bluesky import SandboxBluesky
from bot.sandbox.mastodon import SandboxMastodon
from bot.sandbox.x import SandboxX
from tests.support.sources import START, Sleeps, make_bsky_source, make_masto_source


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(START)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def sandbox(clock: SandboxClock) -> AsyncIterator[SandboxX]:
    sx = SandboxX(clock, bot_handle="MentorBot")
    await sx.start()
    yield sx
    await sx.stop()


@pytest.fixture
async def client(sandbox: SandboxX) -> Any:
    return sandbox.make_client()


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


@pytest.fixture
async def bsky(clock: SandboxClock) -> AsyncIterator[SandboxBluesky]:
    async with SandboxBluesky(clock) as sandbox:
        yield sandbox


@pytest.fixture
def bsky_client(bsky: SandboxBluesky) -> Any:
    return bsky.make_client()


@pytest.fixture
def bsky_source(bsky: SandboxBluesky, bsky_client: Any, clock: SandboxClock, sleeps: Sleeps) -> BlueskySource:
    return make_bsky_source(bsky, bsky_client, clock, sleeps, limit=25)


@pytest.fixture
async def masto(clock: SandboxClock) -> AsyncIterator[SandboxMastodon]:
    async with SandboxMastodon(clock) as sandbox:
        yield sandbox


@pytest.fixture
def masto_client(masto: SandboxMastodon) -> Any:
    return masto.make_client()


@pytest.fixture
def masto_source(masto: SandboxMastodon, masto_client: Any, clock: SandboxClock, sleeps: Sleeps) -> MastodonSource:
    return make_masto_source(masto, masto_client, clock, sleeps, limit=20)
