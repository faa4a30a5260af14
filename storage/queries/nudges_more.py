"""More nudge queries: re-planning, per-programme views, digests, and where a person's DMs live."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, Match, Nudge, OnboardingSession, Person, Profile
from storage.queries import nudges

MATCH_KINDS = ("checkin", "feedback", "message")


async def claim_due_of_kinds(
    *, session: AsyncSession, now: datetime, worker: str, kinds: tuple[str, ...], limit: int = 100
) -> list[Nudge]:
    """Like ``nudges.claim_due_nudges`` but only nudges of ``kinds`` (other features own the rest)."""
    return await nudges.claim_due_nudges(session=session, now=now, worker=worker, limit=limit, kinds=kinds)


async def release_stale_of_kinds(
    *, session: AsyncSession, claimed_before: datetime, kinds: tuple[str, ...]
) -> int:
    """Claims of ``kinds`` older than ``claimed_before`` (their process died) go back to pending; the
    next claim sees ``attempts > 1`` and looks for the message before sending again."""
    result = await session.exec(
        update(Nudge)
        .where(col(Nudge.status) == "claimed", col(Nudge.claimed_at) <= claimed_before, col(Nudge.kind).in_(kinds))
        .values(status="pending", claimed_by=None)
    )
    return int(result.rowcount)


async def upsert_planned(*, session: AsyncSession, nudges: Sequence[Nudge]) -> int:
    """Insert planned nudges. One that exists already (same match, person, kind, due time) is left alone,
    unless it was cancelled: then it is pending again with the new step (a person back from a pause).
    Returns how many are now pending that were not."""
    changed = 0
    for nudge in nudges:
        stmt = select(Nudge).where(
            Nudge.match_id == nudge.match_id,
            Nudge.person_id == nudge.person_id,
            Nudge.kind == nudge.kind,
            Nudge.due_at == nudge.due_at,
        )
        found = (await session.exec(stmt)).first()
        if found is None:
            session.add(nudge)
            changed += 1
        elif found.status == "cancelled":
            found.status = "pending"
            found.step_key = nudge.step_key
            found.occurrence = nudge.occurrence
            found.claimed_by = None
            session.add(found)
            changed += 1
    await session.flush()
    return changed


async def cancel_by_ids(*, session: AsyncSession, nudge_ids: Iterable[int]) -> int:
    """Cancel the given nudges that are still pending."""
    ids = list(nudge_ids)
    if not ids:
        return 0
    result = await session.exec(
        update(Nudge).where(col(Nudge.id).in_(ids), col(Nudge.status) == "pending").values(status="cancelled")
    )
    return int(result.rowcount)


async def nudges_of_matches(
    *, session: AsyncSession, match_ids: Sequence[int], statuses: tuple[str, ...] | None = None
) -> list[Nudge]:
    if not match_ids:
        return []
    stmt = select(Nudge).where(col(Nudge.match_id).in_(list(match_ids)))
    if statuses:
        stmt = stmt.where(col(Nudge.status).in_(statuses))
    return list(await session.exec(stmt.order_by(col(Nudge.due_at), col(Nudge.id))))


async def nudges_in_programme(
    *,
    session: AsyncSession,
    programme_id: int,
    kinds: tuple[str, ...] | None = None,
    statuses: tuple[str, ...] | None = None,
    since: datetime | None = None,
) -> list[Nudge]:
    """The programme's nudges (optionally of some kinds/statuses, due since ``since``), by due time."""
    stmt = select(Nudge).where(Nudge.programme_id == programme_id)
    if kinds:
        stmt = stmt.where(col(Nudge.kind).in_(kinds))
    if statuses:
        stmt = stmt.where(col(Nudge.status).in_(statuses))
    if since is not None:
        stmt = stmt.where(col(Nudge.due_at) >= since)
    return list(await session.exec(stmt.order_by(col(Nudge.due_at), col(Nudge.id))))


async def open_digest(*, session: AsyncSession, programme_id: int) -> Nudge | None:
    """The programme's next digest not yet sent (pending or claimed), if any."""
    stmt = select(Nudge).where(
        Nudge.programme_id == programme_id,
        Nudge.kind == "digest",
        col(Nudge.status).in_(("pending", "claimed")),
    )
    return (await session.exec(stmt.order_by(col(Nudge.due_at), col(Nudge.id)))).first()


async def earlier_twin_digest(*, session: AsyncSession, nudge: Nudge) -> bool:
    """Another live digest of the same programme and due time with a lower id (a duplicate to drop)."""
    stmt = select(func.count()).select_from(Nudge).where(
        Nudge.programme_id == nudge.programme_id,
        Nudge.kind == "digest",
        Nudge.due_at == nudge.due_at,
        col(Nudge.id) < (nudge.id or 0),
        col(Nudge.status) != "cancelled",
    )
    return int((await session.exec(stmt)).one()) > 0


async def cancel_nudge(*, session: AsyncSession, nudge_id: int, reason: str) -> None:
    """Cancel one nudge whatever its state except sent (a claimed one that should not go out)."""
    await session.exec(
        update(Nudge)
        .where(col(Nudge.id) == nudge_id, col(Nudge.status) != "sent")
        .values(status="cancelled", last_error=reason, claimed_by=None)
    )


async def known_dm_channel(*, session: AsyncSession, person_id: int) -> int | None:
    """The DM channel the bot already has with this person: their onboarding conversation's, or the one
    an earlier nudge went to (not the pair's space)."""
    stmt = select(OnboardingSession.channel_id).where(
        OnboardingSession.person_id == person_id,
        col(OnboardingSession.in_thread).is_(False),
        col(OnboardingSession.channel_id).is_not(None),
    )
    found = (await session.exec(stmt)).first()
    if found is not None:
        return int(found)
    sent = select(Nudge.channel_id, Match.space_id).join(Match, col(Match.id) == col(Nudge.match_id)).where(
        Nudge.person_id == person_id, Nudge.status == "sent", col(Nudge.channel_id).is_not(None)
    ).order_by(col(Nudge.sent_at).desc()).limit(20)
    for channel_id, space_id in await session.exec(sent):
        if channel_id is not None and channel_id != space_id:
            return int(channel_id)
    return None


async def people_with_profiles(
    *, session: AsyncSession, person_ids: Iterable[int]
) -> dict[int, tuple[Person, Profile | None]]:
    """Each person and their profile in their own programme, by person id."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    people = list(await session.exec(select(Person).where(col(Person.id).in_(ids))))
    profiles = list(await session.exec(select(Profile).where(col(Profile.person_id).in_(ids))))
    by_person: dict[int, Profile] = {}
    for prof in profiles:
        by_person[prof.person_id] = prof
    out: dict[int, tuple[Person, Profile | None]] = {}
    for person in people:
        pid = person.id or 0
        found = by_person.get(pid)
        out[pid] = (person, found if found is not None and found.programme_id == person.programme_id else None)
    return out


async def audit_events_since(
    *, session: AsyncSession, programme_id: int, actions: tuple[str, ...], since: datetime | None = None
) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(
        AuditEvent.programme_id == programme_id, col(AuditEvent.action).in_(actions)
    )
    if since is not None:
        stmt = stmt.where(col(AuditEvent.created_at) >= since)
    return list(await session.exec(stmt.order_by(col(AuditEvent.created_at), col(AuditEvent.id))))


async def ended_matches_since(*, session: AsyncSession, programme_id: int, since: datetime) -> list[Match]:
    stmt = select(Match).where(
        Match.programme_id == programme_id, Match.status == "ended", col(Match.ended_at) >= since
    )
    return list(await session.exec(stmt.order_by(col(Match.id))))


def as_detail(**values: Any) -> dict[str, Any]:
    """An audit detail with ids only (never free text about someone)."""
    return {k: v for k, v in values.items() if v is not None}


async def last_due_by_match(*, session: AsyncSession, match_ids: Sequence[int]) -> dict[int, datetime]:
    """The latest due time of each match's planned (pending or later) check-ins, in one query."""
    if not match_ids:
        return {}
    rows = await session.exec(
        select(Nudge.match_id, func.max(Nudge.due_at))
        .where(col(Nudge.match_id).in_(match_ids), col(Nudge.kind).in_(MATCH_KINDS))
        .group_by(col(Nudge.match_id))
    )
    out: dict[int, datetime] = {}
    for match_id, due in rows:
        if match_id is not None and due is not None:
            if isinstance(due, str):  # SQLite returns the aggregate as text
                due = datetime.fromisoformat(due)
            out[int(match_id)] = due if due.tzinfo else due.replace(tzinfo=UTC)
    return out
