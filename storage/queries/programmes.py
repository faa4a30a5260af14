"""Programmes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Programme


async def ensure_programme(
    *, session: AsyncSession, key: str, name: str, guild_id: int, now: datetime | None = None
) -> Programme:
    """The programme with ``key``, created if new (at ``now``; guild and name refreshed from config)."""
    found = (await session.exec(select(Programme).where(Programme.key == key))).first()
    if found is None:
        found = Programme(key=key, name=name, guild_id=guild_id)
        if now is not None:
            found.created_at = now
        session.add(found)
    else:
        found.name = name
        found.guild_id = guild_id
    await session.flush()
    return found


async def get_programme(*, session: AsyncSession, key: str) -> Programme | None:
    return (await session.exec(select(Programme).where(Programme.key == key))).first()


async def programmes_in_guild(*, session: AsyncSession, guild_id: int) -> list[Programme]:
    rows = await session.exec(select(Programme).where(Programme.guild_id == guild_id).order_by(col(Programme.id)))
    return list(rows)


async def update_programme_settings(*, session: AsyncSession, programme_id: int, changes: dict[str, Any]) -> Programme:
    """Merge organiser-set values into the programme's settings (they win over the config file)."""
    programme = await session.get(Programme, programme_id)
    if programme is None:
        raise LookupError(f"no programme {programme_id}")
    programme.settings = {**programme.settings, **changes}
    session.add(programme)
    await session.flush()
    return programme


async def all_programmes(*, session: AsyncSession) -> list[Programme]:
    return list(await session.exec(select(Programme).order_by(col(Programme.id))))
