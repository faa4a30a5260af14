"""The work an erasure leaves, done in the background so ``/leave`` answers at once: rewriting the tables that
held the person's rows (no deleted row version left in the database files) and deleting the bot's public replies
that named them on X, Bluesky or Mastodon.

:meth:`ErasureWork.queue` writes the work in the erasure's own transaction (:mod:`storage.queries.erasure_work`),
so a process that stops right after the commit loses none of it: the job (:meth:`ErasureWork.run`, registered as
a periodic job that also runs as the bot starts) does it on the next start. Rows are claimed atomically, so two
processes never both do the same row. Pending rewrites are coalesced into one pass over the union of their
tables. A deletion that fails for a while (5xx, timeouts, rate limits) is tried again with growing pauses; one the
platform refuses (401/403, no credentials) or that keeps failing goes to the organisers, once, and stays listed in
``/programme stats`` (:class:`bot.services.stats.LeftPost`) until :data:`FAILED_KEPT` after its erasure, when the job
deletes the row (the organisers have had their notice and three months of the list by then; the row holds only
the platform and the post's id).

The job runs whenever the bot runs: it is registered by the bot itself (:mod:`bot.app`), not by a cog that could
fail to load or be left out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.intake.source import platform_name
from bot.services.intake import IntakeService, PublicReply, Withdrawn
from bot.services.match_end import MatchEnding
from bot.services.programmes import ProgrammeRegistry
from bot.services.scheduled_dms import worker_name
from storage.db import Erasure, SessionFactory, purge_deleted, transaction
from storage.ids import require_id
from storage.models import ErasureWorkKind
from storage.queries import erasure_work as q

log = logging.getLogger(__name__)

JOB_NAME = "erasure-work"
#: how often the job looks for work besides being kicked by ``/leave`` (retries fall due between kicks)
RUN_SECONDS = 60
#: a claim older than this belongs to a process that stopped mid-work: the work goes back to pending
STALE_AFTER = timedelta(minutes=15)
#: tries of one public post deletion before the organisers are asked to delete it
DELETE_ATTEMPTS = 5
#: the pause after a deletion's first failed try, doubled after each (2, 4, 8, 16 minutes)
DELETE_BACKOFF = timedelta(minutes=2)
#: passes of a rewrite that found older transactions still open before it is left as done
REWRITE_ATTEMPTS = 10
REWRITE_RETRY = timedelta(minutes=1)
#: passes of one run at most (a pass that claimed something is followed by another)
PASSES = 20
#: how long a given-up deletion is kept (listed for the organisers) after its erasure; then the job deletes it
FAILED_KEPT = timedelta(days=90)


@dataclass
class WorkDone:
    """What one run did (the tests and the logs read it)."""

    rewrites: int = 0  # queued rewrites coalesced into the passes below
    rewrite_passes: int = 0
    deleted: int = 0
    retrying: int = 0
    given_up: list[Withdrawn] = field(default_factory=list)
    forgotten: int = 0  # given-up rows past FAILED_KEPT, deleted


def replies_left_words(left: Sequence[Withdrawn]) -> str:
    """The organisers' notice of public replies naming someone who left that a platform did not delete."""
    lines = []
    for w in left:
        r = w.result
        why = (f"rate limited until {r.rate_limited_until:%H:%M} UTC" if r.rate_limited_until else
               r.refused_reason or r.error or "no answer")
        lines.append(f"- {platform_name(w.reply.platform)}: {w.url or w.reply.post_id} ({why})")
    return ("🧹 A member who left was named in the bot's public replies below, and the platform did not delete "
            "them. Please delete them from the bot's account:\n" + "\n".join(lines))[:2000]


class ErasureWork:
    def __init__(self, registry: ProgrammeRegistry, sessions: SessionFactory, clock: Clock,
                 intake: IntakeService | None, ending: MatchEnding | None) -> None:
        self._registry = registry
        self._sessions = sessions
        self._clock = clock
        self._intake = intake
        self._ending = ending
        self.worker = worker_name(":erasure")
        #: set by the adapter that schedules :meth:`run`: run it soon (not awaited)
        self.on_queued: Callable[[], None] | None = None
        self._lock = asyncio.Lock()
        self._again = False
        self._runs: set[asyncio.Task[object]] = set()
        self._stopped = False

    async def queue(self, session: AsyncSession, *, programme_id: int, erasure: Erasure,
                    replies: Sequence[PublicReply]) -> None:
        """In the erasure's transaction: the rewrite of its tables, and the deletion of each public reply."""
        now = self._clock.now()
        if erasure.tables:
            await q.queue_rewrite(session=session, tables=erasure.tables, after_xid=erasure.xid, now=now)
        for reply in replies:
            await q.queue_post_deletion(session=session, programme_id=programme_id, platform=reply.platform,
                                        post_id=reply.post_id, now=now)

    def kick(self) -> None:
        """After the erasure committed: run soon, without waiting for it. A run under way takes another pass."""
        if self._lock.locked():  # the run under way takes another pass before it ends
            self._again = True
        elif self.on_queued is not None:
            self.on_queued()

    async def run(self) -> WorkDone:
        """Do every due piece of work (one run at a time in this process; claims keep other processes off the
        same rows). Never raises for a platform's or a table's failure."""
        done = WorkDone()
        task = asyncio.current_task()
        if self._stopped or task is None:
            return done
        self._runs.add(task)
        try:
            await self._passes(done)
        finally:
            self._runs.discard(task)
        return done

    async def stop(self, grace: float = 5.0) -> None:
        """As the bot closes: no new run; a run under way gets ``grace`` seconds to end, then is cancelled, and
        this process's claims go back to pending at once (the next process does that work)."""
        self._stopped = True
        runs = set(self._runs)
        if runs:
            _, late = await asyncio.wait(runs, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        try:
            async with transaction(self._sessions) as session:
                await q.release_claims_of(session=session, worker=self.worker)
        except Exception as exc:  # closing anyway: the claims go back when they are stale
            log.warning("could not hand back the erasure work claimed: %s", type(exc).__name__)

    async def _passes(self, done: WorkDone) -> None:
        async with self._lock:
            async with transaction(self._sessions) as session:
                done.forgotten = await q.forget_failed(session=session,
                                                       queued_before=self._clock.now() - FAILED_KEPT)
            for _ in range(PASSES):
                self._again = False
                worked = await self._deletions(done)
                worked = await self._rewrite(done) or worked
                if not (worked or self._again):
                    break

    async def _rewrite(self, done: WorkDone) -> bool:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            await q.release_stale(session=session, claimed_before=now - STALE_AFTER)
            claimed = await q.claim_due(session=session, kind=ErasureWorkKind.REWRITE, now=now, worker=self.worker,
                                        limit=10_000)
        if not claimed:
            return False
        tables = sorted({t for w in claimed for t in w.tables.split(",") if t})
        xids = [w.after_xid for w in claimed if w.after_xid is not None]
        complete = await purge_deleted(self._sessions.kw["bind"], Erasure(tuple(tables), max(xids) if xids else None))
        done.rewrites += len(claimed)
        done.rewrite_passes += 1
        async with transaction(self._sessions) as session:
            for w in claimed:
                claim = (self.worker, w.attempts)
                if complete or w.attempts >= REWRITE_ATTEMPTS:
                    await q.finish(session=session, work_id=require_id(w), claim=claim)
                else:  # an older transaction may still see their rows: the copy it kept goes in the next pass
                    await q.retry_at(session=session, work_id=require_id(w), due_at=self._clock.now() + REWRITE_RETRY,
                                     error="older transactions were still open", claim=claim)
        return complete

    async def _deletions(self, done: WorkDone) -> bool:
        now = self._clock.now()
        async with transaction(self._sessions) as session:
            claimed = await q.claim_due(session=session, kind=ErasureWorkKind.DELETE_POST, now=now,
                                        worker=self.worker, limit=50)
        if not claimed:
            return False
        left: dict[int, list[Withdrawn]] = {}
        for w in claimed:
            claim = (self.worker, w.attempts)
            reply = PublicReply(w.platform or "", w.post_id or "")
            programme = self._registry.by_id(w.programme_id) if w.programme_id is not None else None
            if programme is None or self._intake is None:
                async with transaction(self._sessions) as session:
                    await q.give_up(session=session, work_id=require_id(w), error="the programme is gone",
                                    claim=claim)
                continue
            (result,) = await self._intake.withdraw(programme, [reply], attempts=1)
            outcome = result.result
            now = self._clock.now()
            async with transaction(self._sessions) as session:
                if outcome.ok:
                    await q.finish(session=session, work_id=require_id(w), claim=claim)
                    done.deleted += 1
                elif outcome.refused_reason is None and w.attempts < DELETE_ATTEMPTS:
                    due = now + DELETE_BACKOFF * 2 ** (w.attempts - 1)
                    if outcome.rate_limited_until is not None:
                        due = max(due, outcome.rate_limited_until)
                    await q.retry_at(session=session, work_id=require_id(w), due_at=due,
                                     error=outcome.error or "rate limited", claim=claim)
                    done.retrying += 1
                else:
                    why = outcome.refused_reason or outcome.error or "rate limited"
                    if await q.give_up(session=session, work_id=require_id(w), error=why, claim=claim):
                        left.setdefault(programme.id, []).append(result)
        for programme_id, withdrawn in left.items():
            done.given_up += withdrawn
            programme = self._registry.by_id(programme_id)
            if programme is not None and self._ending is not None and self._ending.spaces is not None:
                try:
                    await self._ending.spaces.tell_organisers(programme, replies_left_words(withdrawn))
                except Exception:  # given up already (told once at most): logged for the operator
                    log.exception("could not tell the organisers of %d public replies left", len(withdrawn))
        return True
