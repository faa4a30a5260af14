"""Dispatching due surveys and reminders: plan what became due (at most every ``PLAN_EVERY`` of clock time),
then the shared exactly-once workflow (:class:`~bot.services.scheduled_dms.ScheduledDmDispatcher`): claimed
atomically, a person's surveys of one moment in one message, looked for before any resend, retried, and with
DMs closed sent to a private thread only the person sees (the organisers told once)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.services.programmes import Programme, ProgrammeRegistry
from bot.services.scheduled_dms import Posted, ScheduledDmDispatcher, SendOutcome
from bot.services.surveys._types import SurveyDelivery
from bot.services.surveys.service import SurveyService
from storage.models import Nudge

log = logging.getLogger(__name__)

CONCURRENCY = 8
PLAN_EVERY = timedelta(minutes=10)


class SurveyChannels(Protocol):
    """The Discord side of sending surveys (implemented by the surveys cog)."""

    async def send(self, delivery: SurveyDelivery) -> SendOutcome: ...

    async def find_sent(self, delivery: SurveyDelivery) -> Posted | None: ...

    async def tell_organisers(self, programme: Programme, text: str) -> None: ...


class SurveyDispatcher(ScheduledDmDispatcher[Nudge, SurveyDelivery]):
    """The shared exactly-once dispatcher over survey rows, planning what became due before each run."""

    def __init__(self, service: SurveyService, registry: ProgrammeRegistry, clock: Clock,
                 channels: SurveyChannels) -> None:
        super().__init__(service, registry, channels, what="surveys", concurrency=CONCURRENCY)
        self.service = service
        self.clock = clock
        self._planned_at: datetime | None = None

    async def run(self) -> int:
        """One run: plan what became due, then send every due survey. Returns how many were claimed."""
        async with self._running:
            await self.plan()
            return await self.dispatch_due()

    async def plan(self, *, force: bool = False) -> int:
        now = self.clock.now()
        if not force and self._planned_at is not None and now - self._planned_at < PLAN_EVERY:
            return 0
        self._planned_at = now
        written = 0
        for programme in self.registry.all():
            try:
                written += await self.service.plan(programme)
            except Exception:
                log.exception("survey planning failed for %s", programme.key)
        return written
