"""Hashtag intake from X, Bluesky and Mastodon: polling (:mod:`~bot.services.intake.service`), the platforms'
clients and accounts (:mod:`~bot.services.intake.clients`), the feeds per programme
(:mod:`~bot.services.intake.feeds`), replies and the organisers' queue (:mod:`~bot.services.intake.outbox`), and
leads for organisers and members (:mod:`~bot.services.intake.leads`)."""

from __future__ import annotations

from bot.services.intake.clients import PlatformClients
from bot.services.intake.feeds import (
    BlueskyClientFactory,
    Feed,
    MastodonClientFactory,
    XClientFactory,
    feeds_for,
)
from bot.services.intake.leads import LeadDesk, MergeResult
from bot.services.intake.outbox import STALE_REPLYING, Outbox
from bot.services.intake.service import PLATFORMS, IntakeService, PublicReply, Withdrawn

__all__ = [
    "PLATFORMS",
    "STALE_REPLYING",
    "BlueskyClientFactory",
    "Feed",
    "IntakeService",
    "LeadDesk",
    "MastodonClientFactory",
    "MergeResult",
    "Outbox",
    "PlatformClients",
    "PublicReply",
    "Withdrawn",
    "XClientFactory",
    "feeds_for",
]
