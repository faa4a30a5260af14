"""Read-only aggregates for organisers: the funnel, nudge activity, capacity, stalled onboarding.

Every function is scoped to one programme and runs a fixed, small number of statements whatever the data
size (no query per person).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, union
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Lead,
    Match,
    MatchStatus,
    Nudge,
    NudgeKind,
    NudgeStatus,
    OnboardingSession,
    OnboardingStatus,
    Person,
    PersonStatus,
    Profile,
)

MATCHED_STATUSES = (MatchStatus.ACTIVE, MatchStatus.ENDED)


async def _rows(session: AsyncSession, stmt: Any) -> list[Any]:
    """All rows of a multi-column select (sqlmodel's ``exec`` typing does not cover them)."""
    return list((await session.exec(stmt)).all())


def _people_in_matches(programme_id: int, statuses: Sequence[MatchStatus], extra: Any = None) -> Any:
    """A subquery of the distinct person ids on either side of the programme's matches."""
    cond = and_(col(Match.programme_id) == programme_id, col(Match.status).in_(statuses))
    if extra is not None:
        cond = and_(cond, extra)
    mentors: Any = select(col(Match.mentor_person_id).label("pid")).where(cond)
    mentees: Any = select(col(Match.mentee_person_id).label("pid")).where(cond)
    return union(mentors, mentees).subquery()


async def _count(session: AsyncSession, stmt: Any) -> int:
    rows = await _rows(session, stmt)
    return int(rows[0][0] or 0) if rows else 0


async def funnel_counts(*, session: AsyncSession, programme_id: int) -> dict[str, int]:
    """People at each funnel stage.

    - ``leads``: leads found through the programme's hashtags;
    - ``joined``: people in the programme (joined the server, or imported with a profile);
    - ``onboarded``: people with a stored profile;
    - ``matched``: people in at least one confirmed match (active or ended);
    - ``met``: people in a match where at least one check-in was answered "met";
    - ``active``: people in an active match.
    """
    leads = await _count(session, select(func.count()).select_from(Lead).where(col(Lead.programme_id) == programme_id))
    has_profile = exists().where(col(Profile.person_id) == col(Person.id), col(Profile.programme_id) == programme_id)
    joined = await _count(session, select(func.count()).select_from(Person).where(
        col(Person.programme_id) == programme_id, col(Person.status) != PersonStatus.LEFT,
        or_(col(Person.discord_user_id).is_not(None), has_profile),
    ))
    onboarded = await _count(session, select(func.count()).select_from(Profile).join(
        Person, col(Person.id) == col(Profile.person_id)
    ).where(col(Profile.programme_id) == programme_id, col(Person.status) != PersonStatus.LEFT))
    matched_q = _people_in_matches(programme_id, MATCHED_STATUSES)
    matched = await _count(session, select(func.count()).select_from(matched_q))
    met_cond = exists().where(col(Nudge.match_id) == col(Match.id), col(Nudge.answer) == "met")
    met_q = _people_in_matches(programme_id, MATCHED_STATUSES, met_cond)
    met = await _count(session, select(func.count()).select_from(met_q))
    active_q = _people_in_matches(programme_id, (MatchStatus.ACTIVE,))
    active = await _count(session, select(func.count()).select_from(active_q))
    return {"leads": leads, "joined": joined, "onboarded": onboarded, "matched": matched, "met": met,
            "active": active}


async def nudge_events(
    *, session: AsyncSession, programme_id: int, since: datetime
) -> list[tuple[datetime | None, datetime | None]]:
    """(sent_at, answered_at) of the programme's check-ins sent since ``since``."""
    stmt = select(col(Nudge.sent_at), col(Nudge.answered_at)).where(
        col(Nudge.programme_id) == programme_id, col(Nudge.kind) == NudgeKind.CHECKIN,
        col(Nudge.sent_at).is_not(None), col(Nudge.sent_at) >= since,
    )
    return [(row[0], row[1]) for row in await _rows(session, stmt)]


async def answer_rates(*, session: AsyncSession, programme_id: int) -> list[tuple[str, int, int]]:
    """(step key, check-ins sent, check-ins answered) per step of the nudge plan, by step key."""
    stmt = (
        select(col(Nudge.step_key), func.count(), func.count(col(Nudge.answer)))
        .where(col(Nudge.programme_id) == programme_id, col(Nudge.kind) == NudgeKind.CHECKIN,
               col(Nudge.status) == NudgeStatus.SENT)
        .group_by(col(Nudge.step_key))
        .order_by(col(Nudge.step_key))
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in await _rows(session, stmt)]


async def active_match_checkins(
    *, session: AsyncSession, programme_id: int
) -> list[tuple[int, int, int, int, int, str, int, datetime, str | None]]:
    """Sent check-ins of active matches: (match id, mentor id, mentee id, nudge id, person id, step key,
    occurrence, sent_at, answer), by match then time."""
    stmt = (
        select(col(Nudge.match_id), col(Match.mentor_person_id), col(Match.mentee_person_id), col(Nudge.id),
               col(Nudge.person_id), col(Nudge.step_key), col(Nudge.occurrence), col(Nudge.sent_at),
               col(Nudge.answer))
        .join(Match, col(Match.id) == col(Nudge.match_id))
        .where(col(Match.programme_id) == programme_id, col(Match.status) == MatchStatus.ACTIVE,
               col(Nudge.kind) == NudgeKind.CHECKIN, col(Nudge.sent_at).is_not(None))
        .order_by(col(Nudge.match_id), col(Nudge.sent_at))
    )
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4] or 0), str(r[5]), int(r[6]), r[7], r[8])
            for r in await _rows(session, stmt)]


async def mentor_profiles(
    *, session: AsyncSession, programme_id: int
) -> list[tuple[int, dict[str, Any]]]:
    """(person id, answers) of the programme's active people (not paused, not left) with a profile."""
    stmt = (
        select(col(Person.id), col(Profile.answers))
        .join(Profile, col(Profile.person_id) == col(Person.id))
        .where(col(Profile.programme_id) == programme_id, col(Person.status) == PersonStatus.ACTIVE)
    )
    return [(int(r[0]), dict(r[1] or {})) for r in await _rows(session, stmt)]


async def active_mentees_per_mentor(*, session: AsyncSession, programme_id: int) -> dict[int, int]:
    """How many active matches each mentor has."""
    stmt = (
        select(col(Match.mentor_person_id), func.count())
        .where(col(Match.programme_id) == programme_id, col(Match.status) == MatchStatus.ACTIVE)
        .group_by(col(Match.mentor_person_id))
    )
    return {int(r[0]): int(r[1]) for r in await _rows(session, stmt)}


async def stalled_people(
    *, session: AsyncSession, programme_id: int, idle_since: datetime, limit: int | None = None
) -> list[tuple[int, int | None, str, datetime, int, str]]:
    """Onboarding idle since ``idle_since``, oldest first:
    (person id, discord id, name, last activity, reminders sent, person status)."""
    stmt = (
        select(col(Person.id), col(Person.discord_user_id), col(Person.display_name),
               col(OnboardingSession.last_activity_at), col(OnboardingSession.reminders_sent),
               col(Person.status))
        .join(Person, col(Person.id) == col(OnboardingSession.person_id))
        .where(col(OnboardingSession.programme_id) == programme_id,
               col(OnboardingSession.status) == OnboardingStatus.IN_PROGRESS,
               col(OnboardingSession.last_activity_at) <= idle_since)
        .order_by(col(OnboardingSession.last_activity_at), col(Person.id))
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(int(r[0]), r[1], str(r[2]), r[3], int(r[4]), str(r[5])) for r in await _rows(session, stmt)]


async def count_stalled(*, session: AsyncSession, programme_id: int, idle_since: datetime) -> int:
    stmt = select(func.count()).select_from(OnboardingSession).where(
        col(OnboardingSession.programme_id) == programme_id,
        col(OnboardingSession.status) == OnboardingStatus.IN_PROGRESS,
        col(OnboardingSession.last_activity_at) <= idle_since,
    )
    return await _count(session, stmt)


async def person_names(*, session: AsyncSession, person_ids: Sequence[int]) -> dict[int, tuple[str, int | None]]:
    """id → (display name, discord id) for the given people."""
    if not person_ids:
        return {}
    out: dict[int, tuple[str, int | None]] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = select(col(Person.id), col(Person.display_name), col(Person.discord_user_id)).where(
            col(Person.id).in_(chunk)
        )
        for r in await _rows(session, stmt):
            out[int(r[0])] = (str(r[1]), r[2])
    return out

