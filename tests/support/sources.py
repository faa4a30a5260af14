"""Helpers for the intake sources' tests: the fixed start time, recorded backoff sleeps, a fast retry policy,
and builders for Bluesky and Mastodon sources against their local stand-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import SandboxClock
from bot.intake.bluesky_source import BlueskySource
from bot.intake.mastodon_source import MastodonSource
from bot.intake.paging import RetryPolicy
from bot.sandbox.bluesky import SandboxBluesky
from bot.sandbox.mastodon import SandboxMastodon

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FAST_RETRY = RetryPolicy(tries=3, base_delay=0.5, max_delay=4.0, timeout=5.0)


class Sleeps:
    """Records backoff sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def minutes_ago(n: float) -> datetime:
    return START - timedelta(minutes=n)


def make_bsky_source(bsky: SandboxBluesky, client: Any, clock: SandboxClock, sleeps: Sleeps, **kw: Any) -> BlueskySource:
    return BlueskySource(client, own_did=bsky.bot_did, clock=clock, retry=FAST_RETRY, sleep=sleeps, **kw)


def make_masto_source(
    masto: SandboxMastodon, client: Any, clock: SandboxClock, sleeps: Sleeps, **kw: Any
) -> MastodonSource:
    return MastodonSource(client, own_acct=masto.bot_acct, clock=clock, retry=FAST_RETRY, sleep=sleeps, **kw)
