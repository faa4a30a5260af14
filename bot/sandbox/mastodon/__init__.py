"""A local Mastodon instance for the demo and the tests: :class:`SandboxMastodon`, driven by the real
Mastodon.py client over loopback."""

from __future__ import annotations

from bot.sandbox.mastodon.model import MastoAccount, MastoStatus
from bot.sandbox.mastodon.server import SandboxMastodon

__all__ = ["MastoAccount", "MastoStatus", "SandboxMastodon"]
