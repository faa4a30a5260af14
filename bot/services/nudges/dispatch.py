"""Dispatching due nudges: the workflow of one dispatch run, with Discord behind a port.

A run does the upkeep (the next digest row, the at-risk sweep every few hours), then claims due nudges in
batches and sends each (at most ``concurrency`` at a time): a nudge claimed before is first looked for by its
marker, so a crash between sending and recording never sends it twice; a sent nudge is recorded riding out a
database that is briefly away; a failure is retried later, and given up after its attempts (organisers told).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.services.nudges._types import Delivery
from bot.services.nudges.service import NudgeService
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.ids import require_id
from storage.models import Nudge

log = logging.getLogger(__name__)

BATCH = 100
CONCURRENCY = 16
SWEEP_EVERY = timedelta(hours=6)
RECORD_TRIES = 7
RECORD_FIRST_DELAY_S = 0.5
RECORD_MAX_DELAY_S = 8.0


@dataclass(frozen=True)
class Posted:
    """Where a nudge's message now is."""

    channel_id: int
    message_id: int


@dataclass(frozen=True)
class SendOutcome:
    """What the Discord side did with one delivery: ``posted`` (or why not), and whether it found the
    person's DMs closed (their pair's space was used instead, or nothing)."""

    posted: Posted | None
    reason: str = ""
    dms_found_closed: bool = False
    organisers_notice: str | None = None


class NudgeChannels(Protocol):
    """The Discord side effects of dispatching (implemented by the nudges cog with the Discord kit)."""

    async def send(self, delivery: Delivery) -> SendOutcome: ...

    async def find_sent(self, delivery: Delivery) -> Posted | None: ...

    async def tell_organisers(self, programme: Programme, text: str) -> None: ...


class SentNotRecorded(Exception):
    """The message went out but the database could not record it: never retry the send itself; the
    claim goes stale and the next claim finds the message by its marker."""


class NudgeDispatcher:
    """One process's dispatcher: its worker name, one run at a time, its send slots and its caches."""

    def __init__(self, service: NudgeService, registry: ProgrammeRegistry, clock: Clock,
                 channels: NudgeChannels) -> None:
        self.service = service
        self.registry = registry
        self.clock = clock
        self.channels = channels
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]
        self.batch = BATCH
        self._running = asyncio.Lock()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._sweep_at: datetime | None = None
        self._digest_due: dict[int, datetime] = {}  # programme id -> the next digest row's due time

    async def run(self) -> int:
        """One run: upkeep, then every due nudge. Returns how many were claimed."""
        async with self._running:
            await self._upkeep()
            await self.service.release_stale()
            claimed = 0
            while True:
                batch = await self.service.claim(self.worker, self.batch)
                if not batch:
                    return claimed
                claimed += len(batch)
                await asyncio.gather(*(self._one(n) for n in batch))

    async def record_sent(self, nudge_id: int, posted: Posted) -> None:
        """Record a sent nudge, riding out a database that is briefly away (a restart takes seconds)."""
        delay = RECORD_FIRST_DELAY_S
        for attempt in range(RECORD_TRIES):
            try:
                await self.service.record_sent(nudge_id, posted.channel_id, posted.message_id)
                return
            except Exception as exc:
                if attempt == RECORD_TRIES - 1:
                    raise SentNotRecorded(f"nudge {nudge_id} sent as message {posted.message_id}: {exc}") from exc
                log.warning("nudge %s was sent but not recorded yet (%s); trying again", nudge_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECORD_MAX_DELAY_S)

    async def _deliver(self, d: Delivery) -> None:
        if d.attempts > 1:
            found = await self.channels.find_sent(d)
            if found is not None:
                await self.record_sent(d.nudge_id, found)
                log.info("nudge %s was already sent (message %s); recorded, not resent", d.nudge_id, found.message_id)
                return
        outcome = await self.channels.send(d)
        if outcome.dms_found_closed and d.person_id is not None:
            await self.service.mark_dms_closed(d.person_id)
        if outcome.posted is None:
            await self.service.record_failed(d.nudge_id, outcome.reason)
            if outcome.organisers_notice:
                await self.channels.tell_organisers(d.programme, outcome.organisers_notice)
            return
        await self.record_sent(d.nudge_id, outcome.posted)

    async def _one(self, nudge: Nudge) -> None:
        nid = require_id(nudge)
        async with self._slots:
            try:
                delivery = await self.service.prepare(nudge)
                if delivery is not None:
                    await self._deliver(delivery)
            except SentNotRecorded:
                log.exception("nudge %s: sent, but not recorded; its marker will be found on the next claim", nid)
            except Exception as exc:
                log.exception("nudge %s could not be sent", nid)
                try:
                    retry = await self.service.record_retry(nid, f"{type(exc).__name__}: {exc}", nudge.attempts)
                except Exception:
                    log.exception("nudge %s: could not record the failure (the claim will go stale)", nid)
                    return
                programme = self.registry.by_id(nudge.programme_id)
                if not retry and programme is not None:
                    who = f"person #{nudge.person_id}" if nudge.person_id else "the organisers' digest"
                    await self.channels.tell_organisers(programme, f"⚠️ A {nudge.kind} for {who} failed "
                                                        f"{nudge.attempts} times and was given up: {type(exc).__name__}.")

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
