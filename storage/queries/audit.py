"""Audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent


async def add_audit_event(
    *,
    session: AsyncSession,
    programme_id: int | None,
    actor_discord_id: int | None,
    action: str,
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> AuditEvent:
    event = AuditEvent(
        programme_id=programme_id, actor_discord_id=actor_discord_id, action=action, detail=detail or {},
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def audit_page(
    *, session: AsyncSession, programme_id: int, page: int = 0, per_page: int = 10
) -> tuple[list[AuditEvent], int]:
    """One page of the programme's audit log (newest first) and the total count."""
    total = (
        await session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.programme_id == programme_id))
    ).one()
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.programme_id == programme_id)
        .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
        .offset(page * per_page)
        .limit(per_page)
    )
    return list(await session.exec(stmt)), int(total)


async def audit_events_since(
    *, session: AsyncSession, programme_id: int, actions: tuple[str, ...], since: datetime | None = None
) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(
        AuditEvent.programme_id == programme_id, col(AuditEvent.action).in_(actions)
    )
    if since is not None:
        stmt = stmt.where(col(AuditEvent.created_at) >= since)
    return list(await session.exec(stmt.order_by(col(AuditEvent.created_at), col(AuditEvent.id))))


def as_detail(**values: Any) -> dict[str, Any]:
    """An audit detail with ids only (never free text about someone)."""
    return {k: v for k, v in values.items() if v is not None}


async def events_about(
    *, session: AsyncSession, programme_id: int, person_id: int, discord_user_id: int | None
) -> list[AuditEvent]:
    """The programme's audit events done by the person or naming them (``/mydata``)."""
    stmt = select(AuditEvent).where(AuditEvent.programme_id == programme_id).order_by(col(AuditEvent.id))
    out = []
    for event in await session.exec(stmt):
        detail = event.detail or {}
        if (discord_user_id is not None and event.actor_discord_id == discord_user_id) \
                or any(detail.get(k) == person_id for k in ("person_id", "mentor", "mentee")) \
                or (discord_user_id is not None and discord_user_id in detail.values()):
            out.append(event)
    return out
