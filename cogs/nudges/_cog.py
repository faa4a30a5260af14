"""The dispatch job: claim due nudges atomically, send them paced, record what was sent."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from discord.ext import commands

from bot.app import MentorBot
from cogs.kit.messaging import tell_organisers
from cogs.nudges._send import SentNotRecorded, deliver, find_sent
from storage.ids import require_id
from storage.models import Nudge

log = logging.getLogger(__name__)

JOB_NAME = "nudge-dispatch"
TOPUP_JOB = "nudge-topup"
TOPUP_SECONDS = 24 * 3600  # plans reach 180 days ahead: a daily top-up keeps them there
BATCH = 100
CONCURRENCY = 16
SWEEP_EVERY = timedelta(hours=6)


class Nudges(commands.Cog):
    def __init__(self, bot: MentorBot) -> None:
        self.bot = bot
        self.service = bot.services.nudges
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]
        self._running = asyncio.Lock()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._sweep_at: datetime | None = None
        self._digest_due: dict[int, datetime] = {}  # programme id -> the next digest row's due time
        self.batch = BATCH

    async def cog_load(self) -> None:
        self.bot.add_periodic(JOB_NAME, self.run_dispatch, seconds=self.bot.settings.config.bot.dispatch_interval_seconds)
        self.bot.add_periodic(TOPUP_JOB, self.topup, seconds=TOPUP_SECONDS)

    async def topup(self) -> None:
        """Extend long matches' plans past the horizon (and catch up with plan edits): future nudges only."""
        for programme in self.bot.services.programmes.all():
            try:
                await self.service.replan_programme(programme, extend_only=True)
            except Exception:
                log.exception("nudge top-up failed for %s", programme.key)

    async def run_dispatch(self) -> None:
        await self.dispatch()

    async def dispatch(self) -> int:
        """One run: upkeep (the next digest row, the at-risk sweep), then every due nudge. Returns how
        many were claimed."""
        if not self.bot.is_ready():
            return 0
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

    async def _one(self, nudge: Nudge) -> None:
        nid = require_id(nudge)
        async with self._slots:
            try:
                delivery = await self.service.prepare(nudge)
                if delivery is None:
                    return
                if delivery.attempts > 1 and await find_sent(self.bot, self.service, delivery):
                    return
                await deliver(self.bot, self.service, delivery)
            except SentNotRecorded:
                log.exception("nudge %s: sent, but not recorded; its marker will be found on the next claim", nid)
            except Exception as exc:
                log.exception("nudge %s could not be sent", nid)
                try:
                    retry = await self.service.record_retry(nid, f"{type(exc).__name__}: {exc}", nudge.attempts)
                except Exception:
                    log.exception("nudge %s: could not record the failure (the claim will go stale)", nid)
                    return
                programme = self.bot.services.programmes.by_id(nudge.programme_id)
                if not retry and programme is not None:
                    who = f"person #{nudge.person_id}" if nudge.person_id else "the organisers' digest"
                    await tell_organisers(self.bot, programme, f"⚠️ A {nudge.kind} for {who} failed "
                                          f"{nudge.attempts} times and was given up: {type(exc).__name__}.")

    async def _upkeep(self) -> None:
        now = self.bot.clock.now()
        sweep = self._sweep_at is None or now - self._sweep_at >= SWEEP_EVERY
        for programme in self.bot.services.programmes.all():
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
                        await tell_organisers(self.bot, programme, text)
            except Exception:
                log.exception("nudge upkeep failed for %s", programme.key)
        if sweep:
            self._sweep_at = now
