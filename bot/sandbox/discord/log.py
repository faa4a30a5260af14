"""What the bot really did: every REST request and every gateway event, with a sandbox-clock time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .spec import Finding

JSON = dict[str, Any]


@dataclass
class RestRecord:
    t: datetime
    method: str
    path: str  # without the /api/v10 prefix, e.g. /channels/123/messages
    route: str  # the template, e.g. /channels/{channel_id}/messages
    json: Any
    status: int
    response: Any
    query: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    #: Where this exchange differs from Discord's published specification (see :mod:`.spec`); the request's
    #: findings stay here even when the sandbox refused it.
    findings: list[Finding] = field(default_factory=list)

    def export(self) -> JSON:
        out: JSON = {
            "t": self.t.isoformat(),
            "method": self.method,
            "path": self.path,
            "json": self.json,
            "status": self.status,
            "response": self.response,
        }
        if self.findings:
            out["findings"] = [str(f) for f in self.findings]
        return out


@dataclass
class GatewayRecord:
    t: datetime
    type: str  # dispatch event name (MESSAGE_CREATE...) or op name for control frames (HELLO, RESUMED...)
    user_id: int | None
    direction: str = "out"  # "out" = sent to the bot, "in" = received from the bot
    data: Any = None
    shard: int | None = None

    def export(self) -> JSON:
        return {
            "t": self.t.isoformat(),
            "type": self.type,
            "user_id": str(self.user_id) if self.user_id is not None else None,
        }


class RequestLog:
    """Append-only log; filter with :meth:`requests` / :meth:`events`, export with :meth:`export`."""

    def __init__(self) -> None:
        self.rest: list[RestRecord] = []
        self.gateway: list[GatewayRecord] = []

    def add_rest(self, record: RestRecord) -> None:
        self.rest.append(record)

    def add_event(self, record: GatewayRecord) -> None:
        self.gateway.append(record)

    def requests(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        *,
        route: str | None = None,
        status: int | None = None,
    ) -> list[RestRecord]:
        return [
            r
            for r in self.rest
            if (method is None or r.method == method.upper())
            and (path_contains is None or path_contains in r.path)
            and (route is None or r.route == route)
            and (status is None or r.status == status)
        ]

    def events(self, type: str | None = None, user_id: int | None = None) -> list[GatewayRecord]:
        return [
            e
            for e in self.gateway
            if e.direction == "out"
            and (type is None or e.type == type)
            and (user_id is None or e.user_id == user_id)
        ]

    def statuses(self) -> list[int]:
        return [r.status for r in self.rest]

    def invalid_requests(self) -> int:
        """401, 403 and 429 answers: the budget Cloudflare counts (10,000 per 10 minutes)."""
        return sum(1 for r in self.rest if r.status in (401, 403, 429))

    def export(self) -> JSON:
        return {
            "requests": [r.export() for r in self.rest],
            "events": [e.export() for e in self.events()],
        }

    def export_jsonl(self) -> Iterator[str]:
        for r in self.rest:
            yield json.dumps(r.export(), default=str)
        for e in self.events():
            yield json.dumps(e.export(), default=str)

    def findings(self) -> list[Finding]:
        """Every difference from Discord's specification seen so far (empty when the traffic conforms)."""
        return [f for r in self.rest for f in r.findings]

    def clear(self) -> None:
        self.rest.clear()
        self.gateway.clear()
