"""Rate-limit windows and injectable faults for the local X (the faults are those of every local API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.sandbox.common.limits import Fault, FaultKind, Faults, WindowMath

WINDOW = timedelta(minutes=15)
__all__ = ["WINDOW", "Fault", "FaultKind", "Faults", "Window"]


@dataclass
class Window(WindowMath):
    """A fixed 15-minute window that starts with its first request (as X's windows do per token)."""

    limit: int
    start: datetime | None = None
    used: int = 0

    def _span(self) -> timedelta:
        return WINDOW

    def headers(self, now: datetime) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining(now)),
            "x-rate-limit-reset": str(int(self.reset_at(now).timestamp())),
        }
