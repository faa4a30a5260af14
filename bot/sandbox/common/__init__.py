"""What the local X, Bluesky and Mastodon share: the aiohttp server scaffolding (:class:`LocalApi`: start and
stop on 127.0.0.1:0, the request log with sandbox-clock times, fault injection), the request record, the
injectable faults and the fixed rate-limit windows."""

from __future__ import annotations

from bot.sandbox.common.limits import Fault, FaultKind, Faults, RateWindow, WindowMath
from bot.sandbox.common.records import RequestRecord
from bot.sandbox.common.server import LocalApi

__all__ = ["Fault", "FaultKind", "Faults", "LocalApi", "RateWindow", "RequestRecord", "WindowMath"]
