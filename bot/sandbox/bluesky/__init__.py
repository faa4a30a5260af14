"""A local Bluesky (PDS + AppView subset) for the demo and the tests: :class:`SandboxBluesky`, driven by the
real atproto SDK over loopback."""

from __future__ import annotations

from bot.sandbox.bluesky.limits import RateWindow
from bot.sandbox.bluesky.model import BskyAccount, BskyPost, did_for
from bot.sandbox.bluesky.server import SandboxBluesky

__all__ = ["BskyAccount", "BskyPost", "RateWindow", "SandboxBluesky", "did_for"]
