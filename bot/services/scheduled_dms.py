"""Scheduled DMs, sent exactly once: the one dispatcher behind check-ins and nudges, surveys and event messages.

Each feature keeps its rows (a :class:`DmStore`: claim, prepare, record) and its Discord side (a
:class:`DmChannels`: send, find again, tell the organisers); this module holds the workflow they share.

A run releases stale claims (a process that died), then claims due rows in batches — atomically, in one
statement on SQLite and PostgreSQL, so two processes never hold one row — and groups them: a person's rows with
the same ``together`` key (one moment) go out as ONE message, except two of the same ``part`` (the second check-in
of a pairing, due after a pause in sending, asks something else: it goes on its own). For each delivery:

- a row claimed before (``attempts > 1``) is first looked for by its marker, so a crash between sending and
  recording never sends it twice (found: recorded, not resent);
- right before sending, each claim is renewed only if still this worker's (a claim that went stale and was taken
  over is left to its new holder, which may be sending it); the send then has half the claim's lease
  (:data:`SEND_SHARE`) to finish, or it is cancelled and retried later like a failed one: a send still waiting
  (a 429's retry-after, the pacer) when another process takes the claim over would otherwise send it too, once
  Discord's few minutes of nonce are past;
- closed DMs (Discord's 403) are the Discord side's to route (the pair's space, or a private thread just for the
  person); the first time a person's DMs are found closed, the organisers are told, once (the database flag is
  flipped by one writer only); a while after, the DM is tried again (:mod:`bot.services.dm_reach`) and, when it
  gets through, the flag is cleared and the organisers told once;
- a sent message is recorded riding out a database that is briefly away; a failure — a 429, a 5xx, a timeout, a
  database away — is retried later (only while the claim holds), and given up after the feature's attempts, the
  organisers told.

A row that could not go out while its person was paused is the feature's to write again when they come back
(planning is idempotent: at most one row per moment), and then it goes out like any other.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Generic, Protocol, Self, TypeVar

from bot.clock import Clock
from bot.services.dm_reach import DmReach
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, transaction
from storage.queries import claims, people

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

BATCH = 100
CONCURRENCY = 16
RECORD_TRIES = 7
RECORD_FIRST_DELAY_S = 0.5
RECORD_MAX_DELAY_S = 8.0
#: the share of a claim's lease (``stale_after``) a send may take after the claim was renewed; past it, the send
#: is cancelled: the claim cannot have been taken over yet, and whatever of it reached Discord is there to be
#: found (or deduplicated by its nonce) by the next holder
SEND_SHARE = 0.5


@dataclass(frozen=True)
class Posted:
    """Where a message now is; for a message found again, every row whose marker it carries."""

    channel_id: int
    message_id: int
    row_ids: frozenset[int] = frozenset()

    @property
    def nudge_ids(self) -> frozenset[int]:
        return self.row_ids


@dataclass(frozen=True)
class SendOutcome:
    """What the Discord side did with one delivery: ``posted`` (or why not), and whether it found the
    person's DMs closed (the fallback was used instead, or nothing)."""

    posted: Posted | None
    reason: str = ""
    dms_found_closed: bool = False
    organisers_notice: str | None = None
    #: not sent, but worth trying again (a grouped delivery found DMs closed: next time each row goes on its own)
    retry: bool = False
    #: it went by DM (not to a fallback): DMs remembered closed are open again
    reached_by_dm: bool = False


class ScheduledDm(Protocol):
    """A prepared delivery: one message to one person (or the organisers) carrying one or more claimed rows."""

    @property
    def programme(self) -> Programme: ...

    @property
    def person_id(self) -> int | None: ...

    @property
    def discord_user_id(self) -> int | None: ...

    @property
    def held(self) -> tuple[tuple[int, int], ...]:
        """(row id, attempt) of every row this delivery sends, as claimed."""
        ...

    @property
    def grouped(self) -> bool:
        """One message for several rows (what was found again says which rows it carries)."""
        ...

    def only(self, row_ids: set[int]) -> Self:
        """This delivery without the rows not in ``row_ids`` (their claims were taken over)."""
        ...


D = TypeVar("D", bound=ScheduledDm)
D_contra = TypeVar("D_contra", bound=ScheduledDm, contravariant=True)


@dataclass(frozen=True)
class Claimed(Generic[R]):
    """One claimed row and what the dispatcher needs to know of it."""

    row: R
    row_id: int
    attempts: int
    programme_id: int
    person_id: int | None
    #: rows of one person with the same key go out as one message (None: on its own)
    together: Hashable | None = None
    #: ... but never two with the same part (the later goes on its own)
    part: Hashable | None = None
    #: what the organisers are told a given-up row was ("check-in for person #3")
    label: str = "message"


class RetryLimits(Protocol):
    """A feature's limits on its rows: how long a claim may be held, how often and how soon to try again."""

    stale_after: timedelta
    retry_delay: timedelta
    max_attempts: int


class ClaimLedger:
    """The claim side of a feature's rows (a table with the claim columns, see :mod:`storage.queries.claims`):
    stale claims released, a claim renewed right before sending, a failure retried later or given up (each only
    while the claim still holds the row), and a person's closed DMs remembered."""

    def __init__(self, model: Any, sessions: SessionFactory, clock: Clock, limits: RetryLimits, *,
                 where: Sequence[Any] = ()) -> None:
        self._model = model
        self._sessions = sessions
        self._clock = clock
        self._limits = limits
        self._where = tuple(where)
        #: what a send learnt about a person's DMs, remembered as every other send does
        self.reach = DmReach(sessions, clock)

    async def release_stale(self) -> int:
        async with transaction(self._sessions) as session:
            return await claims.release_stale(session=session, model=self._model, where=self._where,
                                              claimed_before=self._clock.now() - self._limits.stale_after)

    async def renew(self, row_id: int, worker: str, attempts: int) -> bool:
        """Right before sending: True (and the stale-claim clock restarts) while ``worker``'s claim, attempt
        ``attempts``, still holds the row; False when it was taken over (another process sends it)."""
        async with transaction(self._sessions) as session:
            return await claims.renew_claim(session=session, model=self._model, row_id=row_id,
                                            claim=(worker, attempts), now=self._clock.now())

    async def retry_later(self, row_id: int, error: str, attempts: int, worker: str | None = None) -> bool:
        """Pending again after the retry delay; False (and failed) after ``max_attempts`` — the organisers should
        hear of it. With ``worker``, only while that worker's claim (attempt ``attempts``) still holds the row:
        one released as stale and taken over meanwhile is the new holder's (True: nothing to tell)."""
        claim = (worker, attempts) if worker is not None else None
        async with transaction(self._sessions) as session:
            if attempts >= self._limits.max_attempts:
                return not await claims.mark_failed(session=session, model=self._model, row_id=row_id,
                                                    error=error[:500], claim=claim)
            await claims.reschedule(session=session, model=self._model, row_id=row_id, error=error[:500],
                                    due_at=self._clock.now() + self._limits.retry_delay, claim=claim)
            return True

    async def give_up(self, row_id: int, error: str, worker: str | None = None, attempts: int = 0) -> None:
        async with transaction(self._sessions) as session:
            await claims.mark_failed(session=session, model=self._model, row_id=row_id, error=error[:500],
                                     claim=(worker, attempts) if worker is not None else None)

    def send_time(self) -> float:
        """How long a send may take after its claim was renewed, in seconds (:data:`SEND_SHARE` of the lease)."""
        return self._limits.stale_after.total_seconds() * SEND_SHARE

    async def with_dms_closed(self, person_ids: set[int]) -> set[int]:
        async with self._sessions() as session:
            return await people.with_dms_closed(session=session, person_ids=person_ids)


class DmStore(Protocol[R, D]):
    """A feature's rows: claimed, prepared, recorded (implemented by its service, no discord import)."""

    @property
    def ledger(self) -> ClaimLedger: ...

    async def claim_due(self, worker: str, limit: int) -> list[Claimed[R]]: ...

    async def prepare_group(self, group: list[Claimed[R]]) -> list[D]:
        """The deliveries for a group claimed together (usually one; none when cancelled or moved out of
        the person's quiet hours; one per row when they cannot share one message after all)."""
        ...

    async def record_sent_rows(self, row_ids: list[int], channel_id: int, message_id: int) -> None: ...


class DmChannels(Protocol[D_contra]):
    """The Discord side (implemented by the feature's cog)."""

    async def send(self, delivery: D_contra) -> SendOutcome: ...

    async def find_sent(self, delivery: D_contra) -> Posted | None: ...

    async def tell_organisers(self, programme: Programme, text: str) -> None: ...


class SendOverran(Exception):
    """A send still going on after its share of the claim's lease: cancelled, retried later (looked for first)."""


class SentNotRecorded(Exception):
    """The message went out but the database could not record it: never retry the send itself; the
    claim goes stale and the next claim finds the message by its marker."""


async def ride_out(what: str, write: Callable[[], Awaitable[T]]) -> T:
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


def together(claimed: list[Claimed[R]]) -> list[list[Claimed[R]]]:
    """The claimed rows in delivery groups, in claim order: a person's rows with the same ``together`` key in
    one group (one message), unless the group already holds that ``part``; every other row on its own."""
    groups: list[list[Claimed[R]]] = []
    open_groups: dict[tuple[int, Hashable], list[Claimed[R]]] = {}
    for c in claimed:
        if c.together is not None and c.person_id is not None:
            key = (c.person_id, c.together)
            group = open_groups.get(key)
            if group is None:
                open_groups[key] = group = []
                groups.append(group)
            if c.part is None or all(m.part != c.part for m in group):
                group.append(c)
                continue
        groups.append([c])
    return groups


def worker_name(suffix: str = "") -> str:
    """This process's name on the claims it holds (host, pid, a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}{suffix}"[:100]


class ScheduledDmDispatcher(Generic[R, D]):
    """One process's dispatcher of one feature's rows: its worker name, one run at a time, its send slots."""

    def __init__(self, store: DmStore[R, D], registry: ProgrammeRegistry, channels: DmChannels[D], *,
                 what: str = "message", worker: str | None = None, concurrency: int = CONCURRENCY) -> None:
        self.store = store
        self.registry = registry
        self.channels = channels
        self.what = what
        self.worker = worker or worker_name()
        self.batch = BATCH
        self._running = asyncio.Lock()
        self._slots = asyncio.Semaphore(concurrency)
        #: of the people in the batch being sent, those remembered with closed DMs (one read per batch)
        self._closed: set[int] = set()

    async def run(self) -> int:
        """Send every due row. Returns how many were claimed."""
        async with self._running:
            return await self.dispatch_due()

    async def dispatch_due(self) -> int:
        """The claim loop (call under :meth:`run`'s lock, or from a subclass's ``run``)."""
        released = await self.store.ledger.release_stale()
        if released:
            log.info("%s: %d stale claims released (their holder died or stalled)", self.what, released)
        claimed = 0
        while True:
            batch = await self.store.claim_due(self.worker, self.batch)
            if not batch:
                return claimed
            claimed += len(batch)
            log.debug("%s %s claimed by %s (attempts %s)", self.what, [c.row_id for c in batch], self.worker,
                      [c.attempts for c in batch])
            self._closed = await self._known_closed(batch)
            await asyncio.gather(*(self._group(group) for group in together(batch)))

    async def _known_closed(self, batch: list[Claimed[R]]) -> set[int]:
        """Who of the batch is known to have closed their DMs. When the database cannot say (it went away right
        after the claim), nobody: a DM that is refused falls back as it always does, and each row's own
        failure handling (retry later, or the claim goes stale) deals with the database."""
        try:
            return await self.store.ledger.with_dms_closed({c.person_id for c in batch if c.person_id})
        except Exception as exc:
            log.warning("%s: could not read whose DMs are closed (%s); trying DMs first", self.what,
                        type(exc).__name__)
            return set()

    async def record_sent(self, row_ids: list[int], posted: Posted) -> None:
        """Record a sent message, riding out a database that is briefly away (a restart takes seconds)."""
        try:
            await ride_out(f"{self.what} {row_ids} sent but not recorded yet",
                           lambda: self.store.record_sent_rows(row_ids, posted.channel_id, posted.message_id))
        except Exception as exc:
            raise SentNotRecorded(f"{self.what} {row_ids} sent as message {posted.message_id}: {exc}") from exc

    async def _deliver(self, d: D) -> None:
        held = dict(d.held)
        if any(attempt > 1 for attempt in held.values()):
            log.debug("%s %s: looking for a message sent before", self.what, list(held))
            found = await self.channels.find_sent(d)
            if found is not None:
                carried = [rid for rid in held if rid in found.row_ids] if d.grouped else list(held)
                await self.record_sent(carried, found)
                log.info("%s %s already sent (message %s); recorded, not resent", self.what, carried,
                         found.message_id)
                for rid in held.keys() - set(carried):  # not in that message: sent on their own next time
                    await self.store.ledger.retry_later(rid, "not in the message found", held[rid], self.worker)
                return
        renewed = {rid for rid, attempt in held.items() if await self.store.ledger.renew(rid, self.worker, attempt)}
        if not renewed:
            # preparing or searching took so long that the claim went stale and another process took it over
            log.warning("%s %s: claims taken over before sending; left to their new holder", self.what, list(held))
            return
        d = d.only(renewed)  # a row taken over meanwhile is its new holder's to send
        log.debug("%s %s: sending", self.what, sorted(renewed))
        limit = self.store.ledger.send_time()
        deadline = asyncio.timeout(limit)
        try:
            async with deadline:
                outcome = await self.channels.send(d)
        except TimeoutError as exc:
            if not deadline.expired():  # the send's own timeout (a request's)
                raise
            raise SendOverran(f"{self.what} {sorted(renewed)}: still sending after {limit:.0f} s, half the claim's "
                              "lease; cancelled before another process may take it over") from exc
        reach = self.store.ledger.reach
        if outcome.dms_found_closed and d.person_id is not None:
            notice = await reach.refused(d.programme, d.person_id, d.discord_user_id)
            if notice is not None and (outcome.posted or outcome.retry):
                # once: only the run that found them open says so (unreachable: the outcome's own notice says so)
                await self.channels.tell_organisers(d.programme, notice)
        if outcome.reached_by_dm and d.person_id is not None and d.person_id in self._closed:
            self._closed.discard(d.person_id)
            notice = await reach.reached(d.programme, d.person_id, d.discord_user_id)
            if notice is not None:  # once, like the closing
                await self.channels.tell_organisers(d.programme, notice)
        if outcome.posted is None:
            for rid, attempt in d.held:
                if outcome.retry:
                    await self.store.ledger.retry_later(rid, outcome.reason, attempt, self.worker)
                else:
                    await self.store.ledger.give_up(rid, outcome.reason, self.worker, attempt)
            if outcome.organisers_notice:
                await self.channels.tell_organisers(d.programme, outcome.organisers_notice)
            return
        await self.record_sent([rid for rid, _ in d.held], outcome.posted)
        log.debug("%s %s sent as message %s", self.what, [rid for rid, _ in d.held], outcome.posted.message_id)

    async def _group(self, group: list[Claimed[R]]) -> None:
        ids = [c.row_id for c in group]
        async with self._slots:
            try:
                for delivery in await self.store.prepare_group(group):
                    await self._deliver(delivery)
            except SentNotRecorded:
                log.exception("%s %s: sent, but not recorded; the marker will be found on the next claim",
                              self.what, ids)
            except Exception as exc:
                log.exception("%s %s could not be sent", self.what, ids)
                await self._failed(group, f"{type(exc).__name__}: {exc}", type(exc).__name__)

    async def _failed(self, group: list[Claimed[R]], error: str, short: str) -> None:
        """Each row retried later, only while this claim still holds it (a claim taken over meanwhile may be
        sending it now); the organisers are told of the rows given up."""
        given_up: list[Claimed[R]] = []
        for c in group:
            try:
                retry = await ride_out(f"{self.what} {c.row_id}: its failure was not recorded yet",
                                       partial(self.store.ledger.retry_later, c.row_id, error, c.attempts, self.worker))
            except Exception:
                log.exception("%s %s: could not record the failure (the claim will go stale)", self.what, c.row_id)
                continue
            if not retry:
                given_up.append(c)
        programme = self.registry.by_id(group[0].programme_id)
        if given_up and programme is not None:
            first = given_up[0]
            await self.channels.tell_organisers(programme, f"⚠️ A {first.label} failed {first.attempts} times and "
                                                f"was given up: {short}.")
