"""Organisers' reads and bulk writes: one person's history, exports, and importing a spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel import select as sqlmodel_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ids import require_id
from storage.models import AnnounceStep, Match, MatchStatus, Nudge, Person, PersonStatus, Profile


async def _rows(session: AsyncSession, stmt: Any) -> list[Any]:
    """All rows of a multi-column select (sqlmodel's ``exec`` typing does not cover them)."""
    return list((await session.exec(stmt)).all())


@dataclass
class ImportedPerson:
    """One spreadsheet row to store: a person without a Discord account yet, and their answers."""

    name: str
    answers: dict[str, Any]
    discord_username: str | None = None


async def nudges_of_person(*, session: AsyncSession, person_id: int, limit: int = 20) -> list[Nudge]:
    """The person's most recent nudges (newest first)."""
    stmt = (
        sqlmodel_select(Nudge)
        .where(col(Nudge.person_id) == person_id)
        .order_by(col(Nudge.due_at).desc(), col(Nudge.id).desc())
        .limit(limit)
    )
    return list(await session.exec(stmt))


async def match_rows(
    *, session: AsyncSession, programme_id: int, statuses: Sequence[MatchStatus]
) -> list[tuple[int, int, float, str, str, datetime | None, datetime | None, str, int | None]]:
    """(mentor id, mentee id, score, reasons, status, started, ended, kind, cohort round id) of the programme's
    matches, by id."""
    stmt = (
        select(col(Match.mentor_person_id), col(Match.mentee_person_id), col(Match.score), col(Match.reasons),
               col(Match.status), col(Match.started_at), col(Match.ended_at), col(Match.kind),
               col(Match.cohort_round_id))
        .where(col(Match.programme_id) == programme_id, col(Match.status).in_(statuses))
        .order_by(col(Match.id))
    )
    return [(int(r[0]), int(r[1]), float(r[2]), str(r[3]), str(r[4]), r[5], r[6], str(r[7]),
             None if r[8] is None else int(r[8])) for r in await _rows(session, stmt)]


async def profile_rows(
    *, session: AsyncSession, programme_id: int
) -> list[tuple[int, str, str, dict[str, Any]]]:
    """(person id, display name, status, answers) of everyone in the programme with a profile, by id."""
    stmt = (
        select(col(Person.id), col(Person.display_name), col(Person.status), col(Profile.answers))
        .join(Profile, col(Profile.person_id) == col(Person.id))
        .where(col(Profile.programme_id) == programme_id, col(Person.status) != PersonStatus.LEFT)
        .order_by(col(Person.id))
    )
    return [(int(r[0]), str(r[1]), str(r[2]), dict(r[3] or {})) for r in await _rows(session, stmt)]


async def add_imported_people(
    *, session: AsyncSession, programme_id: int, rows: Sequence[ImportedPerson], now: datetime
) -> list[int]:
    """Insert people (no Discord id, status ``active``) with their profiles; their new ids, in order."""
    people = [
        Person(programme_id=programme_id, discord_user_id=None, display_name=row.name[:200], status=PersonStatus.ACTIVE,
               discord_username=row.discord_username, created_at=now, updated_at=now)
        for row in rows
    ]
    session.add_all(people)
    await session.flush()
    session.add_all([
        Profile(person_id=require_id(p), programme_id=programme_id, answers=row.answers, consent_at=None,
                created_at=now, updated_at=now)
        for p, row in zip(people, rows, strict=True)
    ])
    await session.flush()
    return [require_id(p) for p in people]


async def add_history_matches(
    *, session: AsyncSession, programme_id: int, pairs: Sequence[tuple[int, int]], now: datetime
) -> int:
    """Record earlier pairs (mentor id, mentee id) as ended matches, so matching never repeats them."""
    session.add_all([
        Match(programme_id=programme_id, mentor_person_id=a, mentee_person_id=b, status=MatchStatus.ENDED,
              announce_state=AnnounceStep.DONE, created_at=now, ended_at=now, end_reason="imported history")
        for a, b in pairs
    ])
    await session.flush()
    return len(pairs)


async def programme_partners(*, session: AsyncSession, programme_id: int) -> dict[int, set[int]]:
    """``partners_of`` for a whole programme in one statement."""
    out: dict[int, set[int]] = {}
    stmt = select(col(Match.mentor_person_id), col(Match.mentee_person_id)).where(
        col(Match.programme_id) == programme_id, col(Match.status).in_((MatchStatus.ACTIVE, MatchStatus.ENDED)),
    )
    for mentor, mentee in await _rows(session, stmt):
        out.setdefault(int(mentor), set()).add(int(mentee))
        out.setdefault(int(mentee), set()).add(int(mentor))
    return out
