"""Dispatching due surveys and reminders: plan what became due, claim (exactly once, like nudges), send by DM.

A run writes the surveys that became due (at most every ``PLAN_EVERY`` of clock time), releases stale claims,
then claims due survey rows in batches: a row claimed before is first looked for by its marker (a crash between
sending and recording never sends it twice); right before sending, the claim is renewed only if still this
worker's; a failure is retried later and given up after its attempts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.services.nudges.dispatch import Posted, SendOutcome, SentNotRecorded, _ride_out
from bot.services.programmes import ProgrammeRegistry
from bot.services.surveys._types import SurveyDelivery
from bot.services.surveys.service import SurveyService
from storage.ids import require_id
from storage.models import Nudge

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 8
PLAN_EVERY = timedelta(minutes=10)


class SurveyChannels(Protocol):
    """The Discord side of sending surveys (implemented by the surveys cog)."""

    async def send(self, delivery: SurveyDelivery) -> SendOutcome: ...

    async def find_sent(self, delivery: SurveyDelivery) -> Posted | None: ...


class SurveyDispatcher:
    def __init__(self, service: SurveyService, registry: ProgrammeRegistry, clock: Clock,
                 channels: SurveyChannels) -> None:
        self.service = service
        self.registry = registry
        self.clock = clock
        self.channels = channels
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}:s"[:100]
        self._running = asyncio.Lock()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._planned_at: datetime | None = None

    async def run(self) -> int:
        """One run: plan what became due, then send every due survey. Returns how many were claimed."""
        async with self._running:
            await self.plan()
            await self.service.release_stale()
            claimed = 0
            while True:
                batch = await self.service.claim(self.worker, BATCH)
                if not batch:
                    return claimed
                claimed += len(batch)
                await asyncio.gather(*(self._one(n) for n in batch))

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

    async def _record_sent(self, nudge_id: int, posted: Posted) -> None:
        try:
            await _ride_out(f"survey {nudge_id} was sent but not recorded yet",
                            lambda: self.service.record_sent(nudge_id, posted.channel_id, posted.message_id))
        except Exception as exc:
            raise SentNotRecorded(f"survey {nudge_id} sent as message {posted.message_id}: {exc}") from exc

    async def _deliver(self, d: SurveyDelivery) -> None:
        if d.attempts > 1:
            found = await self.channels.find_sent(d)
            if found is not None:
                await self._record_sent(d.nudge_id, found)
                log.info("survey %s was already sent (message %s); recorded, not resent", d.nudge_id,
                         found.message_id)
                return
        if not await self.service.renew_claim(d.nudge_id, self.worker, d.attempts):
            log.warning("survey %s: claim taken over before sending; left to its new holder", d.nudge_id)
            return
        outcome = await self.channels.send(d)
        if outcome.dms_found_closed:
            await self.service.mark_dms_closed(d.person_id)
        if outcome.posted is None:
            await self.service.record_failed(d.nudge_id, outcome.reason, self.worker, d.attempts)
            return
        await self._record_sent(d.nudge_id, outcome.posted)

    async def _one(self, nudge: Nudge) -> None:
        nid = require_id(nudge)
        async with self._slots:
            try:
                delivery = await self.service.prepare(nudge)
                if delivery is not None:
                    await self._deliver(delivery)
            except SentNotRecorded:
                log.exception("survey %s: sent, but not recorded; its marker will be found on the next claim", nid)
            except Exception as exc:
                log.exception("survey %s could not be sent", nid)
                error = f"{type(exc).__name__}: {exc}"
                try:
                    await _ride_out(f"survey {nid}: its failure was not recorded yet",
                                    lambda: self.service.record_retry(nid, error, nudge.attempts, self.worker))
                except Exception:
                    log.exception("survey %s: could not record the failure (the claim will go stale)", nid)
