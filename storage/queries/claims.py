"""Claims on scheduled rows (nudges, surveys, event messages): one statement claims due rows atomically for one
worker, on SQLite and PostgreSQL; stale claims go back; a claim is renewed, rescheduled or given up only while
it still holds the row. Works on any table with ``id``, ``status``, ``due_at``, ``claimed_by``, ``claimed_at``
and ``attempts`` (statuses ``pending`` → ``claimed`` → ``sent``/``failed``/``cancelled``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"


async def claim_due(*, session: AsyncSession, model: Any, now: datetime, worker: str, limit: int = 100,
                    where: Sequence[Any] = ()) -> list[Any]:
    """Atomically claim up to ``limit`` due pending rows of ``model`` (and ``where``) for ``worker``.

    One statement. On PostgreSQL ``WITH due AS MATERIALIZED (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)
    UPDATE … WHERE id IN (SELECT id FROM due) AND status='pending' RETURNING``: the materialised CTE runs the
    locking SELECT exactly once (inside a plain ``IN (subquery)`` PostgreSQL may re-run it and claim far more
    than ``limit``). On SQLite the database lock serialises writers; the status guard makes a second claim
    impossible.
    """
    due = select(model.id).where(col(model.status) == PENDING, col(model.due_at) <= now, *where)
    due = due.order_by(col(model.due_at), col(model.id)).limit(limit).with_for_update(skip_locked=True)
    ids: Any
    if session.get_bind().dialect.name == "postgresql":
        picked = due.cte("due").prefix_with("MATERIALIZED")
        ids = select(picked.c.id).scalar_subquery()
    else:
        ids = due.scalar_subquery()
    stmt = (
        update(model)
        .where(col(model.id).in_(ids), col(model.status) == PENDING)
        .values(status=CLAIMED, claimed_by=worker, claimed_at=now, attempts=col(model.attempts) + 1)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    rows = [row[0] for row in (await session.exec(stmt)).all()]
    rows.sort(key=lambda r: (r.due_at, r.id or 0))
    return rows


async def release_stale(*, session: AsyncSession, model: Any, claimed_before: datetime,
                        where: Sequence[Any] = ()) -> int:
    """Claims older than ``claimed_before`` (their process died) go back to pending; the next claim sees
    ``attempts > 1`` and looks for the message before sending again."""
    stmt = update(model).where(col(model.status) == CLAIMED, col(model.claimed_at) <= claimed_before, *where)
    result = await session.exec(stmt.values(status=PENDING, claimed_by=None))
    return int(result.rowcount)


def held(stmt: Any, model: Any, claim: tuple[str, int] | None) -> Any:
    """Only while ``claim`` (worker, attempt) still holds the row: a claim released as stale and taken by
    another worker (maybe sending it right now) is not handed back by the old holder."""
    if claim is None:
        return stmt
    worker, attempts = claim
    return stmt.where(col(model.status) == CLAIMED, col(model.claimed_by) == worker,
                      col(model.attempts) == attempts)


async def renew_claim(*, session: AsyncSession, model: Any, row_id: int, claim: tuple[str, int],
                      now: datetime) -> bool:
    """Still ``claim``'s (worker, attempt)? Then its clock restarts now (it is about to send) and True; False
    when it was released as stale and taken over (or finished) meanwhile: the new holder may be sending it."""
    stmt = held(update(model).where(col(model.id) == row_id), model, claim)
    result = await session.exec(stmt.values(claimed_at=now))
    return bool(result.rowcount)


async def reschedule(*, session: AsyncSession, model: Any, row_id: int, due_at: datetime, error: str | None = None,
                     claim: tuple[str, int] | None = None) -> bool:
    """Pending again at ``due_at`` (never a sent one); with ``claim``, only while that claim holds it."""
    values: dict[str, Any] = {"status": PENDING, "due_at": due_at, "claimed_by": None}
    if error is not None:
        values["last_error"] = error
    stmt = update(model).where(col(model.id) == row_id, col(model.status) != SENT)
    result = await session.exec(held(stmt, model, claim).values(**values))
    return bool(result.rowcount)


async def mark_failed(*, session: AsyncSession, model: Any, row_id: int, error: str,
                      claim: tuple[str, int] | None = None) -> bool:
    """Given up (never a sent one); with ``claim``, only while that claim holds it."""
    stmt = update(model).where(col(model.id) == row_id, col(model.status) != SENT)
    result = await session.exec(held(stmt, model, claim).values(status=FAILED, last_error=error))
    return bool(result.rowcount)
