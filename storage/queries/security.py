"""Identity proofs and the guarded wrong-guess counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import GuessCounter, IdentityProof


async def reserve_guess(
    *, session: AsyncSession, programme_id: int, discord_user_id: int, kind: str, limit: int, window: timedelta,
    now: datetime,
) -> int | None:
    """Take one of the member's ``limit`` guesses in the window *before* checking the guess. The new count,
    or None when the limit is reached: ``UPDATE … SET failures = failures + 1 WHERE failures < limit
    RETURNING``, so however many guesses arrive at once, at most ``limit`` are let through."""
    insert = dialect_insert(session)
    await session.exec(insert(GuessCounter).values(
        programme_id=programme_id, discord_user_id=discord_user_id, kind=kind, failures=0, window_start=now,
    ).on_conflict_do_nothing(index_elements=["programme_id", "discord_user_id", "kind"]))
    key = (col(GuessCounter.programme_id) == programme_id, col(GuessCounter.discord_user_id) == discord_user_id,
           col(GuessCounter.kind) == kind)
    # a window that has passed starts again (guarded too: only one of many concurrent resets applies)
    await session.exec(update(GuessCounter).where(*key, col(GuessCounter.window_start) <= now - window)
                       .values(failures=0, window_start=now))
    result = await session.exec(
        update(GuessCounter).where(*key, col(GuessCounter.failures) < limit)
        .values(failures=col(GuessCounter.failures) + 1).returning(col(GuessCounter.failures))
    )
    row = result.first()
    return None if row is None else int(row[0])


async def refund_guess(*, session: AsyncSession, programme_id: int, discord_user_id: int, kind: str) -> None:
    """Give back the guess a *right* answer took (never more: the count is not reset by a right answer)."""
    await session.exec(update(GuessCounter).where(
        col(GuessCounter.programme_id) == programme_id, col(GuessCounter.discord_user_id) == discord_user_id,
        col(GuessCounter.kind) == kind, col(GuessCounter.failures) > 0,
    ).values(failures=col(GuessCounter.failures) - 1))


async def guess_window_start(
    *, session: AsyncSession, programme_id: int, discord_user_id: int, kind: str
) -> datetime | None:
    stmt = select(GuessCounter.window_start).where(
        GuessCounter.programme_id == programme_id, GuessCounter.discord_user_id == discord_user_id,
        GuessCounter.kind == kind)
    return (await session.exec(stmt)).first()


async def proof_for(*, session: AsyncSession, lead_id: int, discord_user_id: int) -> IdentityProof | None:
    stmt = select(IdentityProof).where(IdentityProof.lead_id == lead_id,
                                       IdentityProof.discord_user_id == discord_user_id)
    return (await session.exec(stmt)).first()


async def proof_by_code(*, session: AsyncSession, programme_id: int, code: str) -> IdentityProof | None:
    stmt = select(IdentityProof).where(IdentityProof.programme_id == programme_id, IdentityProof.code == code)
    return (await session.exec(stmt)).first()


async def code_taken(*, session: AsyncSession, programme_id: int, code: str) -> bool:
    return await proof_by_code(session=session, programme_id=programme_id, code=code) is not None


async def add_proof(*, session: AsyncSession, proof: IdentityProof) -> IdentityProof:
    session.add(proof)
    await session.flush()
    return proof


async def renew_proof(*, session: AsyncSession, proof_id: int, expires_at: datetime) -> None:
    await session.exec(update(IdentityProof).where(col(IdentityProof.id) == proof_id)
                       .values(expires_at=expires_at))


async def mark_proven(*, session: AsyncSession, proof_id: int, now: datetime) -> bool:
    """Close a proof once (guarded: two pollers seeing the same post link it once)."""
    result = await session.exec(update(IdentityProof).where(
        col(IdentityProof.id) == proof_id, col(IdentityProof.proven_at).is_(None)).values(proven_at=now))
    return bool(result.rowcount)


async def delete_for_member(*, session: AsyncSession, programme_id: int, discord_user_id: int) -> None:
    """Erase a member's proofs and counters in one programme (``/leave``)."""
    await session.exec(delete(IdentityProof).where(col(IdentityProof.programme_id) == programme_id,
                                                   col(IdentityProof.discord_user_id) == discord_user_id))
    await session.exec(delete(GuessCounter).where(col(GuessCounter.programme_id) == programme_id,
                                                  col(GuessCounter.discord_user_id) == discord_user_id))


async def proofs_of_member(*, session: AsyncSession, programme_id: int, discord_user_id: int) -> list[IdentityProof]:
    stmt = select(IdentityProof).where(IdentityProof.programme_id == programme_id,
                                       IdentityProof.discord_user_id == discord_user_id)
    return list(await session.exec(stmt.order_by(col(IdentityProof.id))))


async def counters_of_member(*, session: AsyncSession, programme_id: int, discord_user_id: int) -> list[GuessCounter]:
    stmt = select(GuessCounter).where(GuessCounter.programme_id == programme_id,
                                      GuessCounter.discord_user_id == discord_user_id)
    return list(await session.exec(stmt))
