"""The queue of work an erasure leaves (:class:`storage.models.ErasureWork`): written in the erasure's own
transaction, claimed atomically by one worker (:mod:`storage.queries.claims`), deleted when done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ErasureWork, ErasureWorkKind, ErasureWorkStatus
from storage.queries import claims


async def queue_rewrite(*, session: AsyncSession, tables: Sequence[str], after_xid: int | None,
                        now: datetime) -> None:
    """Rewrite ``tables`` (once no transaction older than ``after_xid`` is open), in the caller's transaction."""
    session.add(ErasureWork(kind=ErasureWorkKind.REWRITE, tables=",".join(sorted(set(tables))), after_xid=after_xid,
                            due_at=now, created_at=now))
    await session.flush()


async def queue_post_deletion(*, session: AsyncSession, programme_id: int, platform: str, post_id: str,
                              now: datetime) -> None:
    """Delete the bot's own public post ``post_id`` on ``platform``, in the caller's transaction."""
    session.add(ErasureWork(kind=ErasureWorkKind.DELETE_POST, programme_id=programme_id, platform=platform,
                            post_id=post_id, due_at=now, created_at=now))
    await session.flush()


async def claim_due(*, session: AsyncSession, kind: ErasureWorkKind, now: datetime, worker: str,
                    limit: int = 100) -> list[ErasureWork]:
    """Atomically claim up to ``limit`` due pending rows of ``kind`` for ``worker``."""
    return await claims.claim_due(session=session, model=ErasureWork, now=now, worker=worker, limit=limit,
                                  where=[col(ErasureWork.kind) == kind])


async def release_stale(*, session: AsyncSession, claimed_before: datetime) -> int:
    """Claims of a process that stopped mid-work go back to pending (a rewrite and a DELETE may run twice)."""
    return await claims.release_stale(session=session, model=ErasureWork, claimed_before=claimed_before)


async def release_claims_of(*, session: AsyncSession, worker: str) -> int:
    """A process that stops hands back what it claimed: pending again at once."""
    stmt = update(ErasureWork).where(col(ErasureWork.status) == ErasureWorkStatus.CLAIMED,
                                     col(ErasureWork.claimed_by) == worker)
    return int((await session.exec(stmt.values(status=ErasureWorkStatus.PENDING, claimed_by=None))).rowcount)


async def finish(*, session: AsyncSession, work_id: int, claim: tuple[str, int] | None = None) -> bool:
    """Done: the row is deleted (while ``claim`` still holds it)."""
    stmt = claims.held(delete(ErasureWork).where(col(ErasureWork.id) == work_id), ErasureWork, claim)
    return bool((await session.exec(stmt)).rowcount)


async def retry_at(*, session: AsyncSession, work_id: int, due_at: datetime, error: str,
                   claim: tuple[str, int] | None = None) -> bool:
    return await claims.reschedule(session=session, model=ErasureWork, row_id=work_id, due_at=due_at,
                                   error=error[:500], claim=claim)


async def give_up(*, session: AsyncSession, work_id: int, error: str, claim: tuple[str, int] | None = None) -> bool:
    return await claims.mark_failed(session=session, model=ErasureWork, row_id=work_id, error=error[:500],
                                    claim=claim)


async def open_work(*, session: AsyncSession) -> dict[str, int]:
    """How many rows of each kind are still to do (pending or claimed)."""
    stmt = (select(ErasureWork.kind, func.count()).where(
        col(ErasureWork.status).in_((ErasureWorkStatus.PENDING, ErasureWorkStatus.CLAIMED)))
            .group_by(col(ErasureWork.kind)))
    return {str(kind): int(n) for kind, n in await session.exec(stmt)}


async def failed_work(*, session: AsyncSession) -> list[ErasureWork]:
    stmt = select(ErasureWork).where(col(ErasureWork.status) == ErasureWorkStatus.FAILED)
    return list(await session.exec(stmt.order_by(col(ErasureWork.id))))


async def given_up_deletions(*, session: AsyncSession, programme_id: int) -> list[ErasureWork]:
    """The programme's public post deletions given up (the organisers are asked to delete those), oldest first."""
    stmt = select(ErasureWork).where(col(ErasureWork.programme_id) == programme_id,
                                     col(ErasureWork.kind) == ErasureWorkKind.DELETE_POST,
                                     col(ErasureWork.status) == ErasureWorkStatus.FAILED)
    return list(await session.exec(stmt.order_by(col(ErasureWork.id))))


async def forget_failed(*, session: AsyncSession, queued_before: datetime) -> int:
    """Delete the given-up rows queued before ``queued_before``; how many."""
    stmt = delete(ErasureWork).where(col(ErasureWork.status) == ErasureWorkStatus.FAILED,
                                     col(ErasureWork.created_at) < queued_before)
    return int((await session.exec(stmt)).rowcount)
