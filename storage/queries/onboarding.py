"""Onboarding conversations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OnboardingSession, OnboardingStatus, Person


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


async def interview_of(
    *, session: AsyncSession, programme_id: int, discord_user_id: int
) -> tuple[Person, OnboardingSession] | None:
    """The Discord user's person in this programme and their conversation there, in one query (None: no person,
    or no conversation)."""
    stmt = (select(Person, OnboardingSession)
            .join(OnboardingSession, and_(col(OnboardingSession.person_id) == col(Person.id),
                                          col(OnboardingSession.programme_id) == programme_id))
            .where(col(Person.programme_id) == programme_id, col(Person.discord_user_id) == discord_user_id))
    found = (await session.exec(stmt)).first()
    return (found[0], found[1]) if found is not None else None


async def interviews_of(
    *, session: AsyncSession, discord_user_id: int, programme_ids: Sequence[int]
) -> list[OnboardingSession]:
    """The Discord user's conversations in these programmes (each their person's in its programme), in one query."""
    if not programme_ids:
        return []
    stmt = (select(OnboardingSession)
            .join(Person, and_(col(Person.id) == col(OnboardingSession.person_id),
                               col(Person.programme_id) == col(OnboardingSession.programme_id)))
            .where(col(Person.discord_user_id) == discord_user_id,
                   col(OnboardingSession.programme_id).in_(list(programme_ids))))
    return list(await session.exec(stmt))


def _state_values(expected_step: int, state: dict[str, Any], now: datetime,
                  status: OnboardingStatus | None) -> dict[str, Any]:
    values: dict[str, Any] = {"state": state, "step": expected_step + 1, "last_activity_at": now}
    if status is not None:
        values["status"] = status
        if status == OnboardingStatus.COMPLETED:
            values["completed_at"] = now
    return values


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
    result = await session.exec(
        update(OnboardingSession)
        .where(col(OnboardingSession.id) == session_id, col(OnboardingSession.step) == expected_step)
        .values(**_state_values(expected_step, state, now, status))
    )
    return bool(result.rowcount)


async def advance_state(
    *, session: AsyncSession, session_id: int, expected_step: int, state: dict[str, Any], now: datetime
) -> tuple[int | None, bool] | None:
    """:func:`save_state` (the same guarded update) that also says where the conversation runs, in the same
    statement: ``(channel_id, in_thread)``, or ``None`` when someone moved it since ``expected_step`` (or it is
    gone)."""
    stmt = (update(OnboardingSession)
            .where(col(OnboardingSession.id) == session_id, col(OnboardingSession.step) == expected_step)
            .values(**_state_values(expected_step, state, now, None))
            .returning(col(OnboardingSession.channel_id), col(OnboardingSession.in_thread)))
    found = (await session.exec(stmt)).first()
    return (found[0], bool(found[1])) if found is not None else None


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
