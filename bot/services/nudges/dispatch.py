"""Dispatching due nudges: the upkeep of one dispatch run (the next digest row, the at-risk sweep every few
hours), then the shared exactly-once workflow (:class:`~bot.services.scheduled_dms.ScheduledDmDispatcher`) over
the nudge rows — each person's check-ins of one moment in one message."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.services.nudges._types import Delivery
from bot.services.nudges.service import NudgeService
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.services.scheduled_dms import Posted, ScheduledDmDispatcher, SendOutcome, SentNotRecorded
from storage.models import Nudge

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(hours=6)

__all__ = ["NudgeChannels", "NudgeDispatcher", "Posted", "SendOutcome", "SentNotRecorded"]


class NudgeChannels(Protocol):
    """The Discord side effects of dispatching (implemented by the nudges cog with the Discord kit)."""

    async def send(self, delivery: Delivery) -> SendOutcome: ...

    async def find_sent(self, delivery: Delivery) -> Posted | None: ...

    async def tell_organisers(self, programme: Programme, text: str) -> None: ...


class NudgeDispatcher(ScheduledDmDispatcher[Nudge, Delivery]):
    """One process's nudge dispatcher: the shared workflow, and the nudges' own upkeep before each run."""

    def __init__(self, service: NudgeService, registry: ProgrammeRegistry, clock: Clock,
                 channels: NudgeChannels) -> None:
        super().__init__(service, registry, channels, what="nudges")
        self.service = service
        self.clock = clock
        self._sweep_at: datetime | None = None
        self._digest_due: dict[int, datetime] = {}  # programme id -> the next digest row's due time

    async def run(self) -> int:
        """One run: upkeep, then every due nudge. Returns how many were claimed."""
        async with self._running:
            await self._upkeep()
            return await self.dispatch_due()

    async def _upkeep(self) -> None:
        now = self.clock.now()
        sweep = self._sweep_at is None or now - self._sweep_at >= SWEEP_EVERY
        for programme in self.registry.all():
            try:
                due = self._digest_due.get(programme.id)
                if due is None or now >= due:
                    row = await self.service.ensure_digest(programme)
                    if row is not None and row.due_at > now:
                        self._digest_due[programme.id] = row.due_at
                    else:
                        self._digest_due.pop(programme.id, None)
                if sweep:
                    for text in await self.service.risk.sweep_at_risk(programme):
                        await self.channels.tell_organisers(programme, text)
            except Exception:
                log.exception("nudge upkeep failed for %s", programme.key)
        if sweep:
            self._sweep_at = now
