"""Cohort rounds and the prerequisites people completed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, CohortRound, Match, MatchRound, PrerequisiteDone, RoundStatus


async def add_round(*, session: AsyncSession, programme_id: int, name: str, prerequisites: list[str],
                    opens_on: date | None, closes_on: date | None, now: datetime) -> CohortRound:
    row = CohortRound(programme_id=programme_id, name=name, prerequisites=prerequisites, opens_on=opens_on,
                      closes_on=closes_on, created_at=now)
    session.add(row)
    await session.flush()
    return row


async def current_round(*, session: AsyncSession, programme_id: int) -> CohortRound | None:
    """The programme's round that is open or closed but not matched yet."""
    stmt = (select(CohortRound)
            .where(CohortRound.programme_id == programme_id, col(CohortRound.status).in_(("open", "closed")))
            .order_by(col(CohortRound.id).desc()))
    return (await session.exec(stmt)).first()


async def rounds_of_programme(*, session: AsyncSession, programme_id: int) -> list[CohortRound]:
    stmt = select(CohortRound).where(CohortRound.programme_id == programme_id).order_by(col(CohortRound.id))
    return list((await session.exec(stmt)).all())


async def set_round_status(*, session: AsyncSession, round_id: int, status: str, now: datetime | None = None) -> None:
    values: dict[str, object] = {"status": status}
    if status == "closed":
        values["closed_at"] = now
    await session.exec(update(CohortRound).where(col(CohortRound.id) == round_id).values(**values))


async def mark_done(*, session: AsyncSession, programme_id: int, person_id: int, key: str, marked_by: int | None,
                    now: datetime) -> bool:
    """Record a completed prerequisite once; False when it was already recorded."""
    stmt = select(PrerequisiteDone).where(PrerequisiteDone.programme_id == programme_id,
                                          PrerequisiteDone.person_id == person_id, PrerequisiteDone.key == key)
    if (await session.exec(stmt)).first() is not None:
        return False
    session.add(PrerequisiteDone(programme_id=programme_id, person_id=person_id, key=key, marked_by=marked_by,
                                 done_at=now))
    await session.flush()
    return True


async def done_by_person(*, session: AsyncSession, programme_id: int) -> dict[int, set[str]]:
    stmt = select(PrerequisiteDone).where(PrerequisiteDone.programme_id == programme_id)
    out: dict[int, set[str]] = defaultdict(set)
    for row in (await session.exec(stmt)).all():
        out[row.person_id].add(row.key)
    return out


async def set_match_round(*, session: AsyncSession, match_ids: Iterable[int], round_id: int) -> None:
    ids = list(match_ids)
    if ids:
        await session.exec(update(Match).where(col(Match.id).in_(ids)).values(cohort_round_id=round_id))


async def round_names(*, session: AsyncSession, programme_id: int) -> dict[int, str]:
    return {r.id or 0: r.name for r in await rounds_of_programme(session=session, programme_id=programme_id)}


async def latest_confirmed_run(*, session: AsyncSession, programme_id: int, cohort_round_id: int) -> MatchRound | None:
    """The confirmed matching run that matched a cohort round."""
    stmt = (select(MatchRound)
            .where(MatchRound.programme_id == programme_id, MatchRound.status == RoundStatus.CONFIRMED)
            .order_by(col(MatchRound.id).desc()))
    for run in (await session.exec(stmt)).all():
        if (run.summary or {}).get("cohort_round") == cohort_round_id:
            return run
    return None


async def told_people(*, session: AsyncSession, programme_id: int, cohort_round_id: int) -> set[int]:
    """People already told why they are not in a cohort round (``round.told`` audit events)."""
    stmt = select(AuditEvent).where(AuditEvent.programme_id == programme_id, AuditEvent.action == "round.told")
    return {int(e.detail["person"]) for e in (await session.exec(stmt)).all()
            if (e.detail or {}).get("round") == cohort_round_id and "person" in e.detail}


async def match_people_by_round(*, session: AsyncSession, programme_id: int) -> dict[int, list[tuple[int, int]]]:
    """Each cohort round's pairs (mentor person id, mentee person id), ended ones too."""
    stmt = select(Match).where(Match.programme_id == programme_id, col(Match.cohort_round_id).is_not(None))
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for m in (await session.exec(stmt)).all():
        out[int(m.cohort_round_id or 0)].append((m.mentor_person_id, m.mentee_person_id))
    return out
