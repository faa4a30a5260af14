"""Nudges: planned as rows (and re-planned), claimed atomically when due, recorded when sent or answered;
per-match and per-programme views, and the weekly digest's row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ids import require_id
from storage.models import MATCH_KINDS, Match, MatchStatus, Nudge, NudgeKind, NudgeStatus, Person
from storage.queries import claims


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


def of_kinds(kinds: Sequence[NudgeKind]) -> list[Any]:
    """The condition "one of these kinds" (each feature claims and releases only its own rows)."""
    return [col(Nudge.kind).in_(list(kinds))]


async def claim_due_nudges(
    *, session: AsyncSession, now: datetime, worker: str, limit: int = 100, kinds: tuple[NudgeKind, ...] | None = None
) -> list[Nudge]:
    """Atomically claim up to ``limit`` due pending nudges for ``worker`` (see :func:`claims.claim_due`);
    ``kinds`` limits the claim to those kinds of nudge (each feature claims its own)."""
    where = [col(Nudge.kind).in_(kinds)] if kinds is not None else []
    return await claims.claim_due(session=session, model=Nudge, now=now, worker=worker, limit=limit, where=where)


async def claim_companions(
    *, session: AsyncSession, person_ids: Sequence[int], until: datetime, worker: str, now: datetime,
    kind: NudgeKind = NudgeKind.CHECKIN, step_key: str | None = None,
) -> list[Nudge]:
    """Claim, for ``worker``, the pending rows of ``kind`` (and ``step_key``, when given) of ``person_ids`` due
    by ``until``: they go out with the one claimed for that person now, in one message. The status guard makes a
    row claimed once, by one worker, whatever runs at the same time (PostgreSQL re-checks it after waiting for a
    concurrent claim)."""
    if not person_ids:
        return []
    stmt = (
        update(Nudge)
        .where(col(Nudge.person_id).in_(list(person_ids)), col(Nudge.kind) == kind,
               col(Nudge.status) == NudgeStatus.PENDING, col(Nudge.due_at) <= until,
               *([col(Nudge.step_key) == step_key] if step_key is not None else []))
        .values(status=NudgeStatus.CLAIMED, claimed_by=worker, claimed_at=now, attempts=col(Nudge.attempts) + 1)
        .returning(Nudge)
        .execution_options(synchronize_session=False)
    )
    claimed = [row[0] for row in (await session.exec(stmt)).all()]
    claimed.sort(key=lambda n: (n.due_at, require_id(n)))
    return claimed


async def nudges_in_message(*, session: AsyncSession, person_id: int, message_id: int) -> list[Nudge]:
    """The check-ins one message carried to one person (a batched check-in: one per pairing), by id."""
    stmt = select(Nudge).where(Nudge.person_id == person_id, Nudge.message_id == message_id)
    return list(await session.exec(stmt.order_by(col(Nudge.id))))


async def release_stale_claims(
    *, session: AsyncSession, claimed_before: datetime, kinds: tuple[NudgeKind, ...] | None = None
) -> int:
    """Claims older than ``claimed_before`` (their process died) go back to pending, optionally only those of
    ``kinds``; the next claim sees ``attempts > 1`` and looks for the message before sending again."""
    where = [col(Nudge.kind).in_(kinds)] if kinds is not None else []
    return await claims.release_stale(session=session, model=Nudge, claimed_before=claimed_before, where=where)


async def renew_claim(*, session: AsyncSession, nudge_id: int, claim: tuple[str, int], now: datetime) -> bool:
    """Still ``claim``'s? Then its clock restarts now (see :func:`claims.renew_claim`)."""
    return await claims.renew_claim(session=session, model=Nudge, row_id=nudge_id, claim=claim, now=now)


async def mark_sent(
    *, session: AsyncSession, nudge_id: int, now: datetime, channel_id: int, message_id: int
) -> bool:
    result = await session.exec(
        update(Nudge)
        .where(col(Nudge.id) == nudge_id, col(Nudge.status).in_((NudgeStatus.CLAIMED, NudgeStatus.PENDING)))
        .values(status=NudgeStatus.SENT, sent_at=now, channel_id=channel_id, message_id=message_id)
    )
    return bool(result.rowcount)


async def reschedule(
    *, session: AsyncSession, nudge_id: int, due_at: datetime, error: str | None = None,
    claim: tuple[str, int] | None = None,
) -> bool:
    """Pending again at ``due_at`` (never a sent one); with ``claim``, only while that claim holds it."""
    return await claims.reschedule(session=session, model=Nudge, row_id=nudge_id, due_at=due_at, error=error,
                                   claim=claim)


async def mark_failed(
    *, session: AsyncSession, nudge_id: int, error: str, claim: tuple[str, int] | None = None
) -> bool:
    """Given up (never a sent one); with ``claim``, only while that claim holds it."""
    return await claims.mark_failed(session=session, model=Nudge, row_id=nudge_id, error=error, claim=claim)


async def cancel_nudges(
    *, session: AsyncSession, match_id: int | None = None, person_id: int | None = None
) -> int:
    """Cancel pending nudges of a match and/or a person. Returns how many."""
    stmt = update(Nudge).where(col(Nudge.status) == NudgeStatus.PENDING)
    if match_id is not None:
        stmt = stmt.where(col(Nudge.match_id) == match_id)
    if person_id is not None:
        stmt = stmt.where(col(Nudge.person_id) == person_id)
    result = await session.exec(stmt.values(status=NudgeStatus.CANCELLED))
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


@dataclass(frozen=True)
class NudgeInMatch:
    """A nudge with what answering it needs: its match, the pair's people and every nudge of the match."""

    nudge: Nudge
    match: Match
    people: dict[int, Person]  # the pair's people still stored, by person id
    history: list[Nudge]  # every nudge of the match, ``nudge`` among them, in :func:`nudges_of_match`'s order


async def nudge_in_match(*, session: AsyncSession, nudge_id: int) -> NudgeInMatch | None:
    """The nudge, its match, the pair and all the match's nudges, in one query (None: no such nudge, or it is
    not a match's)."""
    mentor, mentee = aliased(Person), aliased(Person)
    match_of_nudge = select(Nudge.match_id).where(col(Nudge.id) == nudge_id).scalar_subquery()
    stmt = (select(Nudge, Match, mentor, mentee)
            .join(Match, col(Match.id) == col(Nudge.match_id))
            .outerjoin(mentor, col(mentor.id) == col(Match.mentor_person_id))
            .outerjoin(mentee, col(mentee.id) == col(Match.mentee_person_id))
            .where(col(Nudge.match_id) == match_of_nudge)
            .order_by(col(Nudge.due_at), col(Nudge.id)))
    rows = list(await session.exec(stmt))
    nudge = next((row[0] for row in rows if row[0].id == nudge_id), None)
    if nudge is None:
        return None
    _, match, first, second = rows[0]
    people = {require_id(p): p for p in (first, second) if p is not None}
    return NudgeInMatch(nudge, match, people, [row[0] for row in rows])


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
        elif found.status == NudgeStatus.CANCELLED:
            found.status = NudgeStatus.PENDING
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
        update(Nudge).where(col(Nudge.id).in_(ids), col(Nudge.status) == NudgeStatus.PENDING).values(status=NudgeStatus.CANCELLED)
    )
    return int(result.rowcount)


async def cancel_nudge(*, session: AsyncSession, nudge_id: int, reason: str) -> None:
    """Cancel one nudge whatever its state except sent (a claimed one that should not go out)."""
    await session.exec(
        update(Nudge)
        .where(col(Nudge.id) == nudge_id, col(Nudge.status) != NudgeStatus.SENT)
        .values(status=NudgeStatus.CANCELLED, last_error=reason, claimed_by=None)
    )


async def nudges_of_matches(
    *, session: AsyncSession, match_ids: Sequence[int], statuses: tuple[NudgeStatus, ...] | None = None
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
    kinds: tuple[NudgeKind, ...] | None = None,
    statuses: tuple[NudgeStatus, ...] | None = None,
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
        Nudge.kind == NudgeKind.DIGEST,
        col(Nudge.status).in_((NudgeStatus.PENDING, NudgeStatus.CLAIMED)),
    )
    return (await session.exec(stmt.order_by(col(Nudge.due_at), col(Nudge.id)))).first()


async def earlier_twin_digest(*, session: AsyncSession, nudge: Nudge) -> bool:
    """Another live digest of the same programme and due time with a lower id (a duplicate to drop)."""
    stmt = select(func.count()).select_from(Nudge).where(
        Nudge.programme_id == nudge.programme_id,
        Nudge.kind == NudgeKind.DIGEST,
        Nudge.due_at == nudge.due_at,
        col(Nudge.id) < require_id(nudge),
        col(Nudge.status) != NudgeStatus.CANCELLED,
    )
    return int((await session.exec(stmt)).one()) > 0


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


async def lapsed_end_requests(*, session: AsyncSession, programme_id: int, asked_before: datetime) -> list[Nudge]:
    """"End this match" answers given before ``asked_before`` in matches still active (the partner neither
    confirmed nor ended it): the oldest request per match first."""
    stmt = (
        select(Nudge)
        .join(Match, col(Match.id) == col(Nudge.match_id))
        .where(col(Nudge.programme_id) == programme_id, col(Nudge.answer) == "end",
               col(Nudge.answered_at).is_not(None), col(Nudge.answered_at) <= asked_before,
               col(Match.status) == MatchStatus.ACTIVE)
        .order_by(col(Nudge.answered_at), col(Nudge.id))
    )
    return list(await session.exec(stmt))
