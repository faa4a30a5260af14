"""Hashtag intake from X, Bluesky and Mastodon (see :mod:`bot.services.intake.service`)."""

from __future__ import annotations

from bot.services.intake.base import STALE_REPLYING
from bot.services.intake.feeds import (
    BlueskyClientFactory,
    Feed,
    MastodonClientFactory,
    XClientFactory,
    feeds_for,
)
from bot.services.intake.leads import MergeResult
from bot.services.intake.service import PLATFORMS, IntakeService

__all__ = [
    "PLATFORMS",
    "STALE_REPLYING",
    "BlueskyClientFactory",
    "Feed",
    "IntakeService",
    "MastodonClientFactory",
    "MergeResult",
    "XClientFactory",
    "feeds_for",
]
