"""The request log entry of the local X, Bluesky and Mastodon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

EXPORTED = ("method", "path", "json", "status", "response")


@dataclass(frozen=True)
class RequestRecord:
    """One request a local API answered."""

    t: datetime
    method: str
    path: str  # with the decoded query string
    json: Any
    status: int
    response: Any
    headers: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """``{"t", "method", "path", "json", "status", "response"}`` (``t`` in ISO 8601)."""
        return {"t": self.t.isoformat(), **{name: getattr(self, name) for name in EXPORTED}}
