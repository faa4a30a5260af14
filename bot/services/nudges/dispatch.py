"""Dispatching due nudges: the workflow of one dispatch run, with Discord behind a port.

A run does the upkeep (the next digest row, the at-risk sweep every few hours), then claims due nudges in
batches and sends each (at most ``concurrency`` at a time): a nudge claimed before is first looked for by its
marker, so a crash between sending and recording never sends it twice; right before sending, the claim is
renewed only if still this worker's (a claim that went stale and was taken over is left to its new holder, which
may be sending it); a sent nudge, or a failure, is recorded riding out a database that is briefly away; a failure
is retried later (only while the claim holds), and given up after its attempts (organisers told).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

from bot.clock import Clock
from bot.services.nudges._types import Delivery
from bot.services.nudges.service import NudgeService
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.ids import require_id
from storage.models import Nudge, NudgeKind

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 100
CONCURRENCY = 16
SWEEP_EVERY = timedelta(hours=6)
RECORD_TRIES = 7
RECORD_FIRST_DELAY_S = 0.5
RECORD_MAX_DELAY_S = 8.0


@dataclass(frozen=True)
class Posted:
    """Where a nudge's message now is; for a message found again, every nudge whose marker it carries."""

    channel_id: int
    message_id: int
    nudge_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SendOutcome:
    """What the Discord side did with one delivery: ``posted`` (or why not), and whether it found the
    person's DMs closed (their pair's space was used instead, or nothing)."""

    posted: Posted | None
    reason: str = ""
    dms_found_closed: bool = False
    organisers_notice: str | None = None
    #: not sent, but worth trying again (a batched check-in found DMs closed: next time each pairing's own
    #: check-in goes to its own space)
    retry: bool = False


class NudgeChannels(Protocol):
    """The Discord side effects of dispatching (implemented by the nudges cog with the Discord kit)."""

    async def send(self, delivery: Delivery) -> SendOutcome: ...

    async def find_sent(self, delivery: Delivery) -> Posted | None: ...

    async def tell_organisers(self, programme: Programme, text: str) -> None: ...


class SentNotRecorded(Exception):
    """The message went out but the database could not record it: never retry the send itself; the
    claim goes stale and the next claim finds the message by its marker."""


async def _ride_out(what: str, write: Callable[[], Awaitable[T]]) -> T:
    """``write``, tried again with backoff while the database is briefly away (a restart takes seconds)."""
    delay = RECORD_FIRST_DELAY_S
    for attempt in range(RECORD_TRIES):
        try:
            return await write()
        except Exception as exc:
            if attempt == RECORD_TRIES - 1:
                raise
            log.warning("%s (%s); trying again", what, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECORD_MAX_DELAY_S)
    raise AssertionError("unreachable")


def together(claimed: list[Nudge]) -> list[list[Nudge]]:
    """The claimed nudges in delivery groups: each person's check-ins about different pairings together (one
    message), every other nudge on its own (a second check-in of the same pairing, due after a pause in
    sending, too: it asks something else); in claim order."""
    groups: list[list[Nudge]] = []
    by_person: dict[int, list[Nudge]] = {}
    for n in claimed:
        if n.kind == NudgeKind.CHECKIN and n.person_id is not None:
            group = by_person.get(n.person_id)
            if group is None:
                by_person[n.person_id] = group = []
                groups.append(group)
            if all(m.match_id != n.match_id for m in group):
                group.append(n)
                continue
        groups.append([n])
    return groups


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
                await asyncio.gather(*(self._one(group[0]) if len(group) == 1 else self._together(group)
                                       for group in together(batch)))

    async def record_sent(self, nudge_id: int, posted: Posted) -> None:
        """Record a sent nudge, riding out a database that is briefly away (a restart takes seconds)."""
        try:
            await _ride_out(f"nudge {nudge_id} was sent but not recorded yet",
                            lambda: self.service.record_sent(nudge_id, posted.channel_id, posted.message_id))
        except Exception as exc:
            raise SentNotRecorded(f"nudge {nudge_id} sent as message {posted.message_id}: {exc}") from exc

    async def record_sent_together(self, nudge_ids: list[int], posted: Posted) -> None:
        try:
            await _ride_out(f"nudges {nudge_ids} were sent but not recorded yet",
                            lambda: self.service.record_sent_together(nudge_ids, posted.channel_id, posted.message_id))
        except Exception as exc:
            raise SentNotRecorded(f"nudges {nudge_ids} sent as message {posted.message_id}: {exc}") from exc

    async def _deliver(self, d: Delivery) -> None:
        held = dict(d.held)
        if any(attempt > 1 for attempt in held.values()):
            found = await self.channels.find_sent(d)
            if found is not None:
                carried = [nid for nid in held if nid in found.nudge_ids] if d.batch else [d.nudge_id]
                await self.record_sent_together(carried, found)
                log.info("nudges %s were already sent (message %s); recorded, not resent", carried, found.message_id)
                for nid in held.keys() - set(carried):  # not in that message: sent on their own next time
                    await self.service.record_retry(nid, "not in the check-in found", held[nid], self.worker)
                return
        renewed = {nid for nid, attempt in held.items() if await self.service.renew_claim(nid, self.worker, attempt)}
        if not renewed:
            # preparing or searching took so long that the claim went stale and another process took it over
            log.warning("nudges %s: claims taken over before sending; left to their new holder", list(held))
            return
        d = d.only(renewed)  # a check-in taken over meanwhile is its new holder's to send
        outcome = await self.channels.send(d)
        if outcome.dms_found_closed and d.person_id is not None:
            await self.service.mark_dms_closed(d.person_id)
        if outcome.posted is None:
            for nid, attempt in d.held:
                if outcome.retry:
                    await self.service.record_retry(nid, outcome.reason, attempt, self.worker)
                else:
                    await self.service.record_failed(nid, outcome.reason, self.worker, attempt)
            if outcome.organisers_notice:
                await self.channels.tell_organisers(d.programme, outcome.organisers_notice)
            return
        if d.batch:
            await self.record_sent_together(list(d.nudge_ids), outcome.posted)
        else:
            await self.record_sent(d.nudge_id, outcome.posted)

    async def _together(self, nudges: list[Nudge]) -> None:
        """One person's check-ins claimed together: one message (a section per pairing)."""
        ids = [require_id(n) for n in nudges]
        async with self._slots:
            try:
                for delivery in await self.service.prepare_batch(nudges):
                    await self._deliver(delivery)
            except SentNotRecorded:
                log.exception("check-ins %s: sent, but not recorded; their markers will be found on the next claim",
                              ids)
            except Exception as exc:
                log.exception("check-ins %s could not be sent", ids)
                error = f"{type(exc).__name__}: {exc}"
                given_up = []
                for n in nudges:
                    nid = require_id(n)
                    try:
                        retry = await _ride_out(f"nudge {nid}: its failure was not recorded yet",
                                                partial(self.service.record_retry, nid, error, n.attempts,
                                                        self.worker))
                    except Exception:
                        log.exception("nudge %s: could not record the failure (the claim will go stale)", nid)
                        continue
                    if not retry:
                        given_up.append(n)
                programme = self.registry.by_id(nudges[0].programme_id)
                if given_up and programme is not None:
                    await self.channels.tell_organisers(programme, f"⚠️ A check-in for person #{nudges[0].person_id} "
                                                        f"failed {given_up[0].attempts} times and was given up: "
                                                        f"{type(exc).__name__}.")

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
                error = f"{type(exc).__name__}: {exc}"
                try:  # only while this claim still holds it: a claim taken over meanwhile may be sending it now
                    retry = await _ride_out(f"nudge {nid}: its failure was not recorded yet",
                                            lambda: self.service.record_retry(nid, error, nudge.attempts, self.worker))
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
