"""Fixed rate-limit windows and injectable faults, shared by the local X, Bluesky and Mastodon."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

FaultKind = Literal["503", "500", "429", "slow", "lost-drop", "lost-503", "lost-timeout"]
LOST_KINDS = ("lost-drop", "lost-503", "lost-timeout")  # applied, then the answer is lost


class WindowMath:
    """The arithmetic of a fixed window of ``limit`` requests that starts with its first request. A subclass
    (a dataclass with ``limit``, ``start`` and ``used`` fields) says how long the window is (:meth:`_span`)."""

    limit: int
    start: datetime | None
    used: int

    def _span(self) -> timedelta:
        raise NotImplementedError

    def _roll(self, now: datetime) -> None:
        if self.start is None or now >= self._reset():
            self.start, self.used = now, 0

    def _reset(self) -> datetime:
        # whole seconds, as the reset headers say: a client that waits until then is let in
        assert self.start is not None
        end = self.start + self._span()
        return end if end.microsecond == 0 else end.replace(microsecond=0) + timedelta(seconds=1)

    def reset_at(self, now: datetime) -> datetime:
        self._roll(now)
        return self._reset()

    def take(self, now: datetime) -> bool:
        """Count one request; False when the window is used up (answer 429)."""
        self._roll(now)
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self, now: datetime) -> int:
        self._roll(now)
        return max(self.limit - self.used, 0)


@dataclass
class RateWindow(WindowMath):
    """``limit`` requests per ``length``; the window starts with its first request."""

    limit: int
    length: timedelta = timedelta(minutes=5)
    start: datetime | None = None
    used: int = 0

    def _span(self) -> timedelta:
        return self.length


@dataclass
class Fault:
    kind: FaultKind
    remaining: int
    delay: float = 0.0
    path: str | None = None  # only requests whose path starts with this
    method: str | None = None  # only requests with this method (POST, GET …)


@dataclass
class Faults:
    """Faults the scenario injects: the next N matching requests fail (503/500/429) or are slow.

    ``sandbox.faults.inject("503", 2)`` makes the next two requests answer 503;
    ``inject("slow", 1, delay=3.0, path="/2/tweets/search")`` delays one search by three seconds;
    ``inject("lost-drop", path="/2/tweets")`` applies the next post and drops the connection instead of
    answering (``lost-503``: answers 503 after the write; ``lost-timeout``: silence for ``delay`` seconds,
    then the connection drops).
    Faults are used in the order they were injected.
    """

    pending: list[Fault] = field(default_factory=list)

    def inject(self, kind: FaultKind, n: int = 1, *, delay: float = 5.0, path: str | None = None,
               method: str | None = None) -> None:
        if kind not in ("503", "500", "429", "slow", *LOST_KINDS):
            raise ValueError(f"unknown fault kind {kind!r}")
        if n < 1:
            raise ValueError("n must be at least 1")
        self.pending.append(Fault(kind=kind, remaining=n, delay=delay, path=path, method=method))

    def clear(self) -> None:
        self.pending.clear()

    def take(self, path: str, *, lost: bool = False, method: str | None = None) -> Fault | None:
        """The fault for a request to ``path``, consuming one use of it (``lost``: only an answer-lost fault,
        taken before the request is handled; otherwise only the others)."""
        for fault in self.pending:
            if (fault.kind in LOST_KINDS) != lost or (fault.method and method and fault.method != method):
                continue
            if fault.path is None or path.startswith(fault.path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.pending.remove(fault)
                return fault
        return None
