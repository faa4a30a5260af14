"""The organisers' people table: one programme's people, searched, filtered, sorted and paged in the database.

Sorting is by an indexed key with the person id as tie-breaker (``ix_person_directory_*``), and a page is an
``OFFSET`` into that index, so the 1,000th page of 50,000 people costs about what the first does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Match, MatchStatus, OnboardingSession, Person, PersonStatus, Profile

SORT_KEYS = ("name", "joined", "status")


@dataclass(frozen=True)
class DirectoryRow:
    person_id: int
    name: str
    discord_user_id: int | None
    status: PersonStatus
    role: str | None
    joined_at: datetime
    paused_until: datetime | None
    onboarding: str | None
    active_matches: int


@dataclass(frozen=True)
class DirectoryFilter:
    search: str = ""  # part of the name, any case; "#123" is a person number
    role: str = ""
    status: str = ""
    cohort_round_id: int | None = None  # in a match of this cohort round
    match_round_id: int | None = None  # in a match made by this (confirmed) matching run


def _role_expr() -> Any:
    return col(Profile.answers)["role"].as_string()


def _with_profile() -> Any:
    return and_(col(Profile.person_id) == col(Person.id), col(Profile.programme_id) == col(Person.programme_id))


def _where(programme_id: int, f: DirectoryFilter) -> list[Any]:
    clauses: list[Any] = [Person.programme_id == programme_id]
    text = f.search.strip()
    if text.startswith("#") and text[1:].isdigit():
        clauses.append(Person.id == int(text[1:]))
    elif text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(func.lower(Person.display_name).like(f"%{escaped}%", escape="\\"))
    if f.status:
        clauses.append(Person.status == f.status)
    if f.role:
        clauses.append(_role_expr() == f.role)
    for column, value in ((Match.cohort_round_id, f.cohort_round_id), (Match.round_id, f.match_round_id)):
        if value is not None:
            clauses.append(exists().where(
                col(column) == value, col(Match.programme_id) == programme_id,
                or_(col(Match.mentor_person_id) == col(Person.id), col(Match.mentee_person_id) == col(Person.id))))
    return clauses


def _order(sort: str, descending: bool) -> list[Any]:
    key = {"name": col(Person.display_name), "joined": col(Person.created_at),
           "status": col(Person.status)}.get(sort, col(Person.display_name))
    if descending:
        return [key.desc(), col(Person.id).desc()]
    return [key.asc(), col(Person.id).asc()]


async def directory_page(
    *, session: AsyncSession, programme_id: int, filters: DirectoryFilter, sort: str = "name",
    descending: bool = False, offset: int = 0, limit: int = 50,
) -> tuple[list[DirectoryRow], int]:
    """One page of people and the number matching the filters. Without a search or a role/round filter the count
    and the page each walk an index; with one, a single scan of the filtered rows gives both (a window count),
    and only a page past the end asks for the count on its own."""
    where = _where(programme_id, filters)
    scanning = bool(filters.search.strip() or filters.role or filters.cohort_round_id or filters.match_round_id)
    count_stmt = select(func.count()).select_from(Person)
    if filters.role:
        count_stmt = count_stmt.join(Profile, _with_profile())
    if not scanning:
        total = int((await session.exec(count_stmt.where(*where))).one())
        page_stmt = (select(col(Person.id)).where(*where).order_by(*_order(sort, descending))
                     .offset(max(0, offset)).limit(limit))
        ids = [int(i or 0) for i in (await session.exec(page_stmt)).all()]
        rows = await rows_for(session=session, programme_id=programme_id, person_ids=ids) if ids else []
        return rows, total
    ids_stmt = select(col(Person.id), func.count().over()).select_from(Person)
    if filters.role:
        ids_stmt = ids_stmt.join(Profile, _with_profile())
    ids_stmt = ids_stmt.where(*where).order_by(*_order(sort, descending)).offset(max(0, offset)).limit(limit)
    found = (await session.exec(ids_stmt)).all()
    if not found:
        return [], int((await session.exec(count_stmt.where(*where))).one())
    ids = [int(row[0] or 0) for row in found]
    return await rows_for(session=session, programme_id=programme_id, person_ids=ids), int(found[0][1])


async def rows_for(*, session: AsyncSession, programme_id: int, person_ids: Sequence[int]) -> list[DirectoryRow]:
    """The table's columns for these people, in the order given."""
    people = (await session.exec(
        select(Person, _role_expr(), OnboardingSession.status)
        .outerjoin(Profile, and_(col(Profile.person_id) == col(Person.id), col(Profile.programme_id) == programme_id))
        .outerjoin(OnboardingSession, and_(col(OnboardingSession.person_id) == col(Person.id),
                                           col(OnboardingSession.programme_id) == programme_id))
        .where(col(Person.id).in_(list(person_ids)))
    )).all()
    active: dict[int, int] = {}
    for mentor, mentee in (await session.exec(
        select(Match.mentor_person_id, Match.mentee_person_id).where(
            Match.programme_id == programme_id, Match.status == MatchStatus.ACTIVE,
            or_(col(Match.mentor_person_id).in_(list(person_ids)), col(Match.mentee_person_id).in_(list(person_ids))))
    )).all():
        for pid in (mentor, mentee):
            active[pid] = active.get(pid, 0) + 1
    by_id = {}
    for person, role, onboarding in people:
        pid = int(person.id or 0)
        by_id[pid] = DirectoryRow(pid, person.display_name, person.discord_user_id, person.status,
                                  role if isinstance(role, str) else None, person.created_at, person.paused_until,
                                  str(onboarding) if onboarding is not None else None, active.get(pid, 0))
    return [by_id[pid] for pid in person_ids if pid in by_id]
