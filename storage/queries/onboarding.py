"""Onboarding conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OnboardingSession, OnboardingStatus


async def get_or_create_session(
    *, session: AsyncSession, person_id: int, programme_id: int, state: dict[str, Any], now: datetime
) -> tuple[OnboardingSession, bool]:
    """The person's one conversation in this programme; ``True`` when it was just created."""
    found = await get_session(session=session, person_id=person_id, programme_id=programme_id)
    if found is not None:
        return found, False
    row = OnboardingSession(
        person_id=person_id, programme_id=programme_id, state=state, last_activity_at=now, created_at=now
    )
    session.add(row)
    await session.flush()
    return row, True


async def get_session(*, session: AsyncSession, person_id: int, programme_id: int) -> OnboardingSession | None:
    stmt = select(OnboardingSession).where(
        OnboardingSession.person_id == person_id, OnboardingSession.programme_id == programme_id
    )
    return (await session.exec(stmt)).first()


async def save_state(
    *,
    session: AsyncSession,
    session_id: int,
    expected_step: int,
    state: dict[str, Any],
    now: datetime,
    status: OnboardingStatus | None = None,
) -> bool:
    """Store a new state if nobody moved the conversation since ``expected_step`` (guarded update).

    Returns ``False`` when another click/message/process got there first: the caller re-reads.
    """
    values: dict[str, Any] = {"state": state, "step": expected_step + 1, "last_activity_at": now}
    if status is not None:
        values["status"] = status
        if status == OnboardingStatus.COMPLETED:
            values["completed_at"] = now
    result = await session.exec(
        update(OnboardingSession)
        .where(col(OnboardingSession.id) == session_id, col(OnboardingSession.step) == expected_step)
        .values(**values)
    )
    return bool(result.rowcount)


async def set_prompt(*, session: AsyncSession, session_id: int, message_id: int) -> None:
    """The bot's latest interview message of this conversation (a later one only: never moves back)."""
    prompt = col(OnboardingSession.last_prompt_message_id)
    await session.exec(update(OnboardingSession)
                       .where(col(OnboardingSession.id) == session_id, prompt.is_(None) | (prompt < message_id))
                       .values(last_prompt_message_id=message_id))


async def set_channel(
    *, session: AsyncSession, session_id: int, channel_id: int, in_thread: bool, prompt_message_id: int | None = None
) -> None:
    values: dict[str, Any] = {"channel_id": channel_id, "in_thread": in_thread}
    if prompt_message_id is not None:
        values["last_prompt_message_id"] = prompt_message_id
    await session.exec(update(OnboardingSession).where(col(OnboardingSession.id) == session_id).values(**values))


async def stalled_sessions(
    *, session: AsyncSession, programme_id: int, idle_since: datetime
) -> list[OnboardingSession]:
    """Conversations in progress with no activity since ``idle_since``, oldest first."""
    stmt = (
        select(OnboardingSession)
        .where(
            OnboardingSession.programme_id == programme_id,
            OnboardingSession.status == OnboardingStatus.IN_PROGRESS,
            col(OnboardingSession.last_activity_at) <= idle_since,
        )
        .order_by(col(OnboardingSession.last_activity_at))
    )
    return list(await session.exec(stmt))


async def bump_reminders(*, session: AsyncSession, session_id: int, expected: int) -> bool:
    """Count one more reminder, once (guarded on the current count)."""
    result = await session.exec(
        update(OnboardingSession)
        .where(col(OnboardingSession.id) == session_id, col(OnboardingSession.reminders_sent) == expected)
        .values(reminders_sent=expected + 1)
    )
    return bool(result.rowcount)


async def known_dm_channel(*, session: AsyncSession, person_id: int) -> int | None:
    """The DM channel the bot already has with this person: their onboarding conversation's when it ran in
    their DMs. Never a channel a message merely went to — with DMs closed that is their private thread, and a
    "DM" sent there would reach the thread, not them (None: the DM channel is opened, or found, with Discord)."""
    stmt = select(OnboardingSession.channel_id).where(
        OnboardingSession.person_id == person_id,
        col(OnboardingSession.in_thread).is_(False),
        col(OnboardingSession.channel_id).is_not(None),
    )
    found = (await session.exec(stmt)).first()
    return int(found) if found is not None else None
