"""Social posts, leads and poll cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Lead, PollCursor, SocialPost


async def get_cursor(*, session: AsyncSession, programme_id: int, platform: str, query: str) -> PollCursor:
    """The cursor row, created empty when new."""
    stmt = select(PollCursor).where(
        PollCursor.programme_id == programme_id, PollCursor.platform == platform, PollCursor.query == query
    )
    cursor = (await session.exec(stmt)).first()
    if cursor is None:
        cursor = PollCursor(programme_id=programme_id, platform=platform, query=query)
        session.add(cursor)
        await session.flush()
    return cursor


async def save_cursor(
    *,
    session: AsyncSession,
    cursor_id: int,
    now: datetime,
    since_id: str | None = None,
    paused_until: datetime | None = None,
    disabled_reason: str | None = None,
) -> None:
    values: dict[str, Any] = {"updated_at": now, "paused_until": paused_until, "disabled_reason": disabled_reason}
    if since_id is not None:
        values["since_id"] = since_id
    await session.exec(update(PollCursor).where(col(PollCursor.id) == cursor_id).values(**values))


async def record_post(*, session: AsyncSession, post: SocialPost) -> bool:
    """Store a post unless its (platform, post id) is known. ``True`` when it is new."""
    stmt = select(SocialPost.id).where(SocialPost.platform == post.platform, SocialPost.post_id == post.post_id)
    if (await session.exec(stmt)).first() is not None:
        return False
    session.add(post)
    await session.flush()
    return True


async def get_lead_by_author(
    *, session: AsyncSession, programme_id: int, platform: str, author_id: str
) -> Lead | None:
    stmt = select(Lead).where(
        Lead.programme_id == programme_id, Lead.platform == platform, Lead.author_id == author_id
    )
    return (await session.exec(stmt)).first()


async def add_lead(*, session: AsyncSession, lead: Lead) -> Lead:
    session.add(lead)
    await session.flush()
    return lead


async def get_lead_by_code(*, session: AsyncSession, claim_code: str) -> Lead | None:
    return (await session.exec(select(Lead).where(Lead.claim_code == claim_code))).first()


async def leads_in_programme(
    *, session: AsyncSession, programme_id: int, statuses: tuple[str, ...] | None = None
) -> list[Lead]:
    stmt = select(Lead).where(Lead.programme_id == programme_id)
    if statuses:
        stmt = stmt.where(col(Lead.status).in_(statuses))
    return list(await session.exec(stmt.order_by(col(Lead.id))))


async def set_lead_status(
    *,
    session: AsyncSession,
    lead_id: int,
    status: str,
    now: datetime,
    expect: tuple[str, ...] | None = None,
    reply_post_id: str | None = None,
    person_id: int | None = None,
) -> bool:
    """Move a lead to ``status`` (only from ``expect`` when given). ``True`` when it moved."""
    stmt = update(Lead).where(col(Lead.id) == lead_id)
    if expect:
        stmt = stmt.where(col(Lead.status).in_(expect))
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if reply_post_id is not None:
        values["reply_post_id"] = reply_post_id
    if person_id is not None:
        values["person_id"] = person_id
    result = await session.exec(stmt.values(**values))
    return bool(result.rowcount)
