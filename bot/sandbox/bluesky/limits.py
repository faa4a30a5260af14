"""Fixed rate-limit windows for the local Bluesky and Mastodon (the local X has its own 15-minute ones)."""

from __future__ import annotations

from bot.sandbox.common.limits import RateWindow

__all__ = ["RateWindow"]
