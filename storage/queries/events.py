"""Programme events: the events, people's answers, and the per-person messages (planned once, claimed
atomically when due, recorded when sent)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    EventMessage,
    EventMessageKind,
    EventMessageStatus,
    EventRsvp,
    EventStatus,
    ProgrammeEvent,
    RsvpResponse,
)
from storage.queries import claims


async def add_event(*, session: AsyncSession, event: ProgrammeEvent) -> ProgrammeEvent:
    session.add(event)
    await session.flush()
    return event


async def get_event(*, session: AsyncSession, event_id: int) -> ProgrammeEvent | None:
    return await session.get(ProgrammeEvent, event_id)


async def event_by_discord_id(*, session: AsyncSession, discord_event_id: int) -> ProgrammeEvent | None:
    stmt = select(ProgrammeEvent).where(ProgrammeEvent.discord_event_id == discord_event_id)
    return (await session.exec(stmt)).first()


async def set_discord_id(*, session: AsyncSession, event_id: int, discord_event_id: int) -> None:
    await session.exec(update(ProgrammeEvent).where(col(ProgrammeEvent.id) == event_id)
                       .values(discord_event_id=discord_event_id))


async def events_in_programme(*, session: AsyncSession, programme_id: int,
                              statuses: Sequence[EventStatus] | None = None) -> list[ProgrammeEvent]:
    stmt = select(ProgrammeEvent).where(ProgrammeEvent.programme_id == programme_id)
    if statuses:
        stmt = stmt.where(col(ProgrammeEvent.status).in_(statuses))
    return list(await session.exec(stmt.order_by(col(ProgrammeEvent.starts_at), col(ProgrammeEvent.id))))


async def move_status(*, session: AsyncSession, event_id: int, old: EventStatus, new: EventStatus,
                      now: datetime) -> bool:
    """``old`` → ``new`` exactly once (False when another run, or an organiser, moved it first)."""
    values: dict[str, Any] = {"status": new}
    if new == EventStatus.STARTED:
        values["started_at"] = now
    if new in (EventStatus.ENDED, EventStatus.CANCELLED):
        values["ended_at"] = now
    result = await session.exec(update(ProgrammeEvent)
                                .where(col(ProgrammeEvent.id) == event_id, col(ProgrammeEvent.status) == old)
                                .values(**values))
    return bool(result.rowcount)


# ---- answers ----------------------------------------------------------------------------------------------------
async def rsvps_of_event(*, session: AsyncSession, event_id: int) -> list[EventRsvp]:
    stmt = select(EventRsvp).where(EventRsvp.event_id == event_id).order_by(col(EventRsvp.id))
    return list(await session.exec(stmt))


async def rsvp_of(*, session: AsyncSession, event_id: int, person_id: int) -> EventRsvp | None:
    stmt = select(EventRsvp).where(EventRsvp.event_id == event_id, EventRsvp.person_id == person_id)
    return (await session.exec(stmt)).first()


async def ensure_rsvp(*, session: AsyncSession, event_id: int, person_id: int) -> EventRsvp:
    row = await rsvp_of(session=session, event_id=event_id, person_id=person_id)
    if row is None:
        row = EventRsvp(event_id=event_id, person_id=person_id)
        session.add(row)
        await session.flush()
    return row


async def set_response(*, session: AsyncSession, event_id: int, person_id: int, response: RsvpResponse | None,
                       now: datetime) -> EventRsvp:
    row = await ensure_rsvp(session=session, event_id=event_id, person_id=person_id)
    row.response = response
    row.responded_at = now if response is not None else None
    session.add(row)
    await session.flush()
    return row


async def rsvps_of_person(*, session: AsyncSession, person_id: int) -> list[tuple[EventRsvp, ProgrammeEvent]]:
    stmt = (select(EventRsvp, ProgrammeEvent).join(ProgrammeEvent, col(ProgrammeEvent.id) == col(EventRsvp.event_id))
            .where(EventRsvp.person_id == person_id).order_by(col(EventRsvp.id)))
    return [(r, e) for r, e in await session.exec(stmt)]


# ---- messages ---------------------------------------------------------------------------------------------------
#: ``last_error`` of a message held back because its person was paused when it fell due: planned again (the
#: same row) if its moment is still ahead when they are back
WHILE_PAUSED = "held back: the person was paused"


def _held_back() -> Any:
    return (col(EventMessage.status) == EventMessageStatus.CANCELLED) & (col(EventMessage.last_error) == WHILE_PAUSED)


async def planned_people(*, session: AsyncSession, event_id: int, kind: EventMessageKind, point: str = "") -> set[int]:
    """Who already has this message planned (or sent, or cancelled) — not those it was held back from while
    they were paused."""
    stmt = select(EventMessage.person_id).where(EventMessage.event_id == event_id, EventMessage.kind == kind,
                                                EventMessage.point == point, ~_held_back())
    return set(await session.exec(stmt))


async def add_messages(*, session: AsyncSession, messages: Sequence[EventMessage]) -> int:
    """Plan messages, skipping any already planned (same event, person, kind and point: the unique key); one
    held back while its person was paused is planned again in place (pending, due as given)."""
    added = 0
    for msg in messages:
        stmt = select(EventMessage.id).where(EventMessage.event_id == msg.event_id,
                                             EventMessage.person_id == msg.person_id, EventMessage.kind == msg.kind,
                                             EventMessage.point == msg.point)
        found = (await session.exec(stmt)).first()
        if found is None:
            session.add(msg)
            added += 1
            continue
        again = await session.exec(update(EventMessage).where(col(EventMessage.id) == found, _held_back()).values(
            status=EventMessageStatus.PENDING, due_at=msg.due_at, attempts=0, last_error=None, claimed_by=None,
            claimed_at=None))
        added += int(again.rowcount)
    await session.flush()
    return added


async def hold_back_while_paused(*, session: AsyncSession, message_id: int) -> bool:
    """Not sent: its person is paused (see :data:`WHILE_PAUSED`)."""
    result = await session.exec(update(EventMessage).where(
        col(EventMessage.id) == message_id,
        col(EventMessage.status).in_((EventMessageStatus.CLAIMED, EventMessageStatus.PENDING)),
    ).values(status=EventMessageStatus.CANCELLED, last_error=WHILE_PAUSED, claimed_by=None, claimed_at=None))
    return bool(result.rowcount)


async def claim_due(*, session: AsyncSession, now: datetime, worker: str, limit: int = 100) -> list[EventMessage]:
    """Atomically claim up to ``limit`` due pending messages (see :func:`claims.claim_due`)."""
    return await claims.claim_due(session=session, model=EventMessage, now=now, worker=worker, limit=limit)


async def release_stale(*, session: AsyncSession, claimed_before: datetime) -> int:
    """Claims of a process that died go back to pending; the next claim looks for the message first."""
    return await claims.release_stale(session=session, model=EventMessage, claimed_before=claimed_before)


async def renew_claim(*, session: AsyncSession, message_id: int, claim: tuple[str, int], now: datetime) -> bool:
    return await claims.renew_claim(session=session, model=EventMessage, row_id=message_id, claim=claim, now=now)


async def reschedule(*, session: AsyncSession, message_id: int, due_at: datetime, error: str,
                     claim: tuple[str, int] | None = None) -> bool:
    return await claims.reschedule(session=session, model=EventMessage, row_id=message_id, due_at=due_at,
                                   error=error[:500], claim=claim)


async def mark_sent(*, session: AsyncSession, message_id: int, now: datetime, channel_id: int | None,
                    discord_message_id: int | None) -> bool:
    result = await session.exec(update(EventMessage)
                                .where(col(EventMessage.id) == message_id,
                                       col(EventMessage.status).in_((EventMessageStatus.CLAIMED,
                                                                     EventMessageStatus.PENDING)))
                                .values(status=EventMessageStatus.SENT, sent_at=now, channel_id=channel_id,
                                        message_id=discord_message_id))
    return bool(result.rowcount)


async def mark_failed(*, session: AsyncSession, message_id: int, error: str,
                      claim: tuple[str, int] | None = None) -> bool:
    """Given up, or not needed any more (never a sent one); with ``claim``, only while that claim holds it."""
    return await claims.mark_failed(session=session, model=EventMessage, row_id=message_id, error=error[:500],
                                    claim=claim)


async def cancel_pending(*, session: AsyncSession, event_id: int, person_id: int | None = None,
                         kinds: Sequence[EventMessageKind] | None = None) -> int:
    stmt = update(EventMessage).where(col(EventMessage.event_id) == event_id,
                                      col(EventMessage.status) == EventMessageStatus.PENDING)
    if person_id is not None:
        stmt = stmt.where(col(EventMessage.person_id) == person_id)
    if kinds:
        stmt = stmt.where(col(EventMessage.kind).in_(kinds))
    result = await session.exec(stmt.values(status=EventMessageStatus.CANCELLED))
    return int(result.rowcount)


async def messages_of_event(*, session: AsyncSession, event_id: int) -> list[EventMessage]:
    stmt = select(EventMessage).where(EventMessage.event_id == event_id).order_by(col(EventMessage.id))
    return list(await session.exec(stmt))


async def get_message(*, session: AsyncSession, message_id: int) -> EventMessage | None:
    return await session.get(EventMessage, message_id)


async def messages_of_person(*, session: AsyncSession, person_id: int) -> list[EventMessage]:
    stmt = select(EventMessage).where(EventMessage.person_id == person_id).order_by(col(EventMessage.id))
    return list(await session.exec(stmt))


async def erase_person(*, session: AsyncSession, person_id: int) -> None:
    await session.exec(delete(EventMessage).where(col(EventMessage.person_id) == person_id))
    await session.exec(delete(EventRsvp).where(col(EventRsvp.person_id) == person_id))
