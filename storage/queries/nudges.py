"""Nudges: written as rows, claimed atomically when due, recorded when sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Nudge


async def add_nudges(*, session: AsyncSession, nudges: Sequence[Nudge]) -> int:
    """Insert nudges, skipping any that already exist (same match, person, kind and due time)."""
    added = 0
    for nudge in nudges:
        stmt = select(Nudge.id).where(
            Nudge.match_id == nudge.match_id,
            Nudge.person_id == nudge.person_id,
            Nudge.kind == nudge.kind,
            Nudge.due_at == nudge.due_at,
        )
        if (await session.exec(stmt)).first() is None:
            session.add(nudge)
            added += 1
    await session.flush()
    return added


async def claim_due_nudges(
    *, session: AsyncSession, now: datetime, worker: str, limit: int = 100, kinds: tuple[str, ...] | None = None
) -> list[Nudge]:
    """Atomically claim up to ``limit`` due pending nudges for ``worker``.

    One statement. On PostgreSQL ``WITH due AS MATERIALIZED (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)
    UPDATE … WHERE id IN (SELECT id FROM due) AND status='pending' RETURNING``: the materialised CTE runs the
    locking SELECT exactly once (inside a plain ``IN (subquery)`` PostgreSQL may re-run it and claim far more
    than ``limit``). On SQLite the database lock serialises writers; the status guard makes a second claim
    impossible. ``kinds`` limits the claim to those kinds of nudge (each feature claims its own).
    """
    due = select(Nudge.id).where(Nudge.status == "pending", col(Nudge.due_at) <= now)
    if kinds is not None:
        due = due.where(col(Nudge.kind).in_(kinds))
    due = due.order_by(col(Nudge.due_at), col(Nudge.id)).limit(limit).with_for_update(skip_locked=True)
    ids: Any
    if session.get_bind().dialect.name == "postgresql":
        picked = due.cte("due").prefix_with("MATERIALIZED")
        ids = select(picked.c.id).scalar_subquery()
    else:
        ids = due.scalar_subquery()
    stmt = (
        update(Nudge)
        .where(col(Nudge.id).in_(ids), col(Nudge.status) == "pending")
        .values(status="claimed", claimed_by=worker, claimed_at=now, attempts=col(Nudge.attempts) + 1)
        .returning(Nudge)
        .execution_options(synchronize_session=False)
    )
    rows = await session.exec(stmt)
    claimed = [row[0] for row in rows.all()]
    claimed.sort(key=lambda n: (n.due_at, n.id or 0))
    return claimed


async def release_stale_claims(*, session: AsyncSession, claimed_before: datetime) -> list[Nudge]:
    """Claims older than ``claimed_before`` (their process died): back to pending, for reconciliation."""
    stmt = (
        update(Nudge)
        .where(col(Nudge.status) == "claimed", col(Nudge.claimed_at) <= claimed_before)
        .values(status="pending", claimed_by=None)
        .returning(Nudge)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in (await session.exec(stmt)).all()]


async def mark_sent(
    *, session: AsyncSession, nudge_id: int, now: datetime, channel_id: int, message_id: int
) -> bool:
    result = await session.exec(
        update(Nudge)
        .where(col(Nudge.id) == nudge_id, col(Nudge.status).in_(("claimed", "pending")))
        .values(status="sent", sent_at=now, channel_id=channel_id, message_id=message_id)
    )
    return bool(result.rowcount)


async def reschedule(*, session: AsyncSession, nudge_id: int, due_at: datetime, error: str | None = None) -> None:
    values: dict[str, Any] = {"status": "pending", "due_at": due_at, "claimed_by": None}
    if error is not None:
        values["last_error"] = error
    await session.exec(update(Nudge).where(col(Nudge.id) == nudge_id).values(**values))


async def mark_failed(*, session: AsyncSession, nudge_id: int, error: str) -> None:
    await session.exec(update(Nudge).where(col(Nudge.id) == nudge_id).values(status="failed", last_error=error))


async def cancel_nudges(
    *, session: AsyncSession, match_id: int | None = None, person_id: int | None = None
) -> int:
    """Cancel pending nudges of a match and/or a person. Returns how many."""
    stmt = update(Nudge).where(col(Nudge.status) == "pending")
    if match_id is not None:
        stmt = stmt.where(col(Nudge.match_id) == match_id)
    if person_id is not None:
        stmt = stmt.where(col(Nudge.person_id) == person_id)
    result = await session.exec(stmt.values(status="cancelled"))
    return int(result.rowcount)


async def record_answer(*, session: AsyncSession, nudge_id: int, answer: str, now: datetime) -> bool:
    """Store the first answer to a nudge. ``False`` when it was already answered (nothing changes)."""
    result = await session.exec(
        update(Nudge)
        .where(col(Nudge.id) == nudge_id, col(Nudge.answer).is_(None))
        .values(answer=answer, answered_at=now)
    )
    return bool(result.rowcount)


async def nudges_of_match(*, session: AsyncSession, match_id: int) -> list[Nudge]:
    stmt = select(Nudge).where(Nudge.match_id == match_id).order_by(col(Nudge.due_at), col(Nudge.id))
    return list(await session.exec(stmt))


async def get_nudge(*, session: AsyncSession, nudge_id: int) -> Nudge | None:
    return await session.get(Nudge, nudge_id)
