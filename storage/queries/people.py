"""People, profiles and their deletion."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import personal_data
from storage.db import dialect_insert
from storage.ids import require_id
from storage.models import (
    OnboardingSession,
    OnboardingStatus,
    Person,
    PersonStatus,
    Profile,
    ProgrammeCounter,
)

#: counters named ``left_join:<microseconds>``: a member who left the programme joined its guild at that instant
LEFT_JOIN = "left_join:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def get_or_create_person(
    *, session: AsyncSession, programme_id: int, discord_user_id: int, display_name: str, now: datetime
) -> tuple[Person, bool]:
    """The person for this Discord user in this programme; ``True`` when new."""
    found = await get_person_by_discord(session=session, programme_id=programme_id, discord_user_id=discord_user_id)
    if found is not None:
        return found, False
    person = Person(
        programme_id=programme_id,
        discord_user_id=discord_user_id,
        display_name=display_name,
        created_at=now,
        updated_at=now,
    )
    session.add(person)
    await session.flush()
    return person, True


async def get_person(*, session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def get_person_by_discord(*, session: AsyncSession, programme_id: int, discord_user_id: int) -> Person | None:
    stmt = select(Person).where(Person.programme_id == programme_id, Person.discord_user_id == discord_user_id)
    return (await session.exec(stmt)).first()


async def discord_ids_in_programme(*, session: AsyncSession, programme_id: int) -> set[int]:
    """The Discord ids of everyone with a person row in the programme."""
    stmt = select(Person.discord_user_id).where(Person.programme_id == programme_id)
    return {uid for uid in await session.exec(stmt) if uid is not None}


async def never_reached(*, session: AsyncSession, programme_id: int) -> set[int]:
    """The Discord ids of people whose interview began but never reached them (no conversation channel: their
    welcome was cut short after their row was made), unless they left."""
    stmt = (
        select(Person.discord_user_id)
        .join(OnboardingSession, col(OnboardingSession.person_id) == col(Person.id))
        .where(Person.programme_id == programme_id, OnboardingSession.programme_id == programme_id,
               col(OnboardingSession.channel_id).is_(None), OnboardingSession.status == OnboardingStatus.IN_PROGRESS,
               Person.status != PersonStatus.LEFT)
    )
    return {uid for uid in await session.exec(stmt) if uid is not None}


async def people_in_programme(*, session: AsyncSession, programme_id: int, status: PersonStatus | None = None) -> list[Person]:
    stmt = select(Person).where(Person.programme_id == programme_id)
    if status is not None:
        stmt = stmt.where(Person.status == status)
    return list(await session.exec(stmt.order_by(col(Person.id))))


async def set_person_status(
    *, session: AsyncSession, person_id: int, status: PersonStatus, now: datetime, paused_until: datetime | None = None
) -> None:
    await session.exec(
        update(Person)
        .where(col(Person.id) == person_id)
        .values(status=status, paused_until=paused_until, updated_at=now)
    )


async def mark_dms_closed(*, session: AsyncSession, person_id: int, now: datetime, closed: bool = True) -> bool:
    """Remember whether the person's DMs are closed; True only when this call changed it (so of two processes
    finding them closed at once, one tells the organisers). Found closed again (a retry refused): when is
    remembered, the flag stays."""
    if not closed:
        result = await session.exec(update(Person).where(col(Person.id) == person_id, col(Person.dms_closed))
                                    .values(dms_closed=False, dms_closed_at=None))
        return bool(result.rowcount)
    result = await session.exec(update(Person).where(col(Person.id) == person_id, col(Person.dms_closed).is_(False))
                                .values(dms_closed=True, dms_closed_at=now))
    if result.rowcount:
        return True
    await session.exec(update(Person).where(col(Person.id) == person_id).values(dms_closed_at=now))
    return False


async def dms_to_retry(*, session: AsyncSession, discord_user_id: int) -> bool:
    """Whether any of the person's rows (in every programme) remembers their DMs closed with a time, which
    :func:`retry_dms_soon` clears: a read, so the usual answer (nothing to clear) takes no write lock."""
    stmt = select(Person.id).where(col(Person.discord_user_id) == discord_user_id, col(Person.dms_closed),
                                   col(Person.dms_closed_at).is_not(None)).limit(1)
    return (await session.exec(stmt)).first() is not None


async def retry_dms_soon(*, session: AsyncSession, discord_user_id: int) -> int:
    """The person's DMs (in every programme) are tried again at their next message: they wrote to the bot
    there. How many rows marked closed that changed."""
    result = await session.exec(update(Person).where(col(Person.discord_user_id) == discord_user_id,
                                                     col(Person.dms_closed), col(Person.dms_closed_at).is_not(None))
                                .values(dms_closed_at=None))
    return int(result.rowcount)


async def with_dms_closed(*, session: AsyncSession, person_ids: Collection[int]) -> set[int]:
    """Which of ``person_ids`` are remembered with closed DMs."""
    if not person_ids:
        return set()
    stmt = select(Person.id).where(col(Person.id).in_(list(person_ids)), col(Person.dms_closed))
    return {pid for pid in await session.exec(stmt) if pid is not None}


async def upsert_profile(
    *,
    session: AsyncSession,
    person_id: int,
    programme_id: int,
    answers: dict[str, Any],
    consent_at: datetime | None,
    now: datetime,
) -> Profile:
    """Store the person's answers (one profile per person per programme)."""
    stmt = select(Profile).where(Profile.person_id == person_id, Profile.programme_id == programme_id)
    profile = (await session.exec(stmt)).first()
    if profile is None:
        profile = Profile(
            person_id=person_id, programme_id=programme_id, answers=answers, consent_at=consent_at,
            created_at=now, updated_at=now,
        )
    else:
        profile.answers = dict(answers)
        profile.consent_at = consent_at or profile.consent_at
        profile.version += 1
        profile.updated_at = now
    session.add(profile)
    await session.flush()
    return profile


async def get_profile(*, session: AsyncSession, person_id: int, programme_id: int) -> Profile | None:
    stmt = select(Profile).where(Profile.person_id == person_id, Profile.programme_id == programme_id)
    return (await session.exec(stmt)).first()


async def profiles_in_programme(*, session: AsyncSession, programme_id: int) -> list[tuple[Person, Profile]]:
    stmt = (
        select(Person, Profile)
        .join(Profile, col(Profile.person_id) == col(Person.id))
        .where(Profile.programme_id == programme_id)
        .order_by(col(Person.id))
    )
    return [(p, pr) for p, pr in await session.exec(stmt)]


async def bump_counter(*, session: AsyncSession, programme_id: int, name: str, by: int = 1) -> None:
    """Add ``by`` to the programme's counter ``name`` (created at 0): one upsert, so racing writers all count."""
    insert = dialect_insert(session)
    stmt = insert(ProgrammeCounter).values(programme_id=programme_id, name=name, value=by)
    await session.exec(stmt.on_conflict_do_update(
        index_elements=["programme_id", "name"], set_={"value": ProgrammeCounter.value + stmt.excluded.value}))


async def raise_mark(*, session: AsyncSession, programme_id: int, name: str, value: int) -> None:
    """Set the programme's mark ``name`` to ``value`` unless it is already higher (a high-water mark kept in
    the counters table, e.g. the newest member join the bot saw, in epoch seconds). One upsert: two passes
    raising the mark at once neither collide on the unique key nor lower it."""
    insert = dialect_insert(session)
    stmt = insert(ProgrammeCounter).values(programme_id=programme_id, name=name, value=value)
    higher = case((stmt.excluded.value > ProgrammeCounter.value, stmt.excluded.value), else_=ProgrammeCounter.value)
    await session.exec(stmt.on_conflict_do_update(index_elements=["programme_id", "name"], set_={"value": higher}))


def join_instant(joined_at: datetime) -> int:
    """A join time as whole microseconds since the epoch (what :func:`remember_left_join` keeps)."""
    return (joined_at - _EPOCH) // timedelta(microseconds=1)


async def remember_left_join(*, session: AsyncSession, programme_id: int, joined_at: datetime) -> None:
    """Someone who left the programme joined its guild at ``joined_at`` (the instant only: no id, no name), so
    that no catch-up welcomes the member who joined then again. Kept as a counter whose value is the whole
    second (for :func:`forget_left_joins`)."""
    insert = dialect_insert(session)
    stmt = insert(ProgrammeCounter).values(programme_id=programme_id, name=f"{LEFT_JOIN}{join_instant(joined_at)}",
                                           value=int(joined_at.timestamp() // 1))
    await session.exec(stmt.on_conflict_do_nothing(index_elements=["programme_id", "name"]))


async def left_joins(*, session: AsyncSession, programme_id: int) -> set[int]:
    """The join instants (:func:`join_instant`) of the people who left, as :func:`remember_left_join` kept them."""
    stmt = select(ProgrammeCounter.name).where(ProgrammeCounter.programme_id == programme_id,
                                               col(ProgrammeCounter.name).startswith(LEFT_JOIN, autoescape=True))
    return {int(name.removeprefix(LEFT_JOIN)) for name in await session.exec(stmt)}


async def forget_left_joins(*, session: AsyncSession, programme_id: int, before: int) -> None:
    """Forget the join instants of people who left that lie wholly before ``before`` (epoch seconds)."""
    await session.exec(delete(ProgrammeCounter).where(
        col(ProgrammeCounter.programme_id) == programme_id, col(ProgrammeCounter.name).startswith(LEFT_JOIN, autoescape=True),
        col(ProgrammeCounter.value) < before))


async def get_mark(*, session: AsyncSession, programme_id: int, name: str) -> int | None:
    stmt = select(ProgrammeCounter.value).where(
        ProgrammeCounter.programme_id == programme_id, ProgrammeCounter.name == name
    )
    return (await session.exec(stmt)).first()


async def set_discord_username(*, session: AsyncSession, person_id: int, username: str, now: datetime) -> None:
    """An imported person's Discord username (the member holding it is linked to them when they join)."""
    await session.exec(update(Person).where(col(Person.id) == person_id, col(Person.discord_user_id).is_(None))
                       .values(discord_username=username, updated_at=now))


async def claim_imported(*, session: AsyncSession, programme_id: int, username: str, discord_user_id: int,
                         display_name: str, now: datetime) -> Person | None:
    """Link the member ``discord_user_id`` to the imported person of this programme whose Discord username
    the organiser's spreadsheet gave as ``username`` — once (a guarded update: two joins can't both take it).
    ``None`` when there is no such unlinked row. They go back to onboarding: their consent is still to come."""
    stmt = select(Person).where(Person.programme_id == programme_id, Person.discord_username == username,
                                col(Person.discord_user_id).is_(None))
    found = (await session.exec(stmt)).first()
    if found is None:
        return None
    result = await session.exec(
        update(Person).where(col(Person.id) == found.id, col(Person.discord_user_id).is_(None))
        .values(discord_user_id=discord_user_id, discord_username=None, display_name=display_name[:200],
                status=PersonStatus.ONBOARDING, updated_at=now))
    if not result.rowcount:
        return None
    await session.refresh(found)
    return found


async def erase_person(*, session: AsyncSession, person_id: int) -> None:
    """Delete everything that names the person, through the registry of personal data holders
    (:mod:`storage.personal_data`). Matches they were in are ended by the caller first; match rows go
    (anonymous counts stay)."""
    person = await session.get(Person, person_id)
    if person is not None:
        await personal_data.erase_person(session=session, person=person)


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
        pid = require_id(person)
        found = by_person.get(pid)
        out[pid] = (person, found if found is not None and found.programme_id == person.programme_id else None)
    return out


async def expired_pauses(*, session: AsyncSession, programme_id: int, now: datetime) -> list[Person]:
    """Paused people whose pause has run out."""
    stmt = select(Person).where(Person.programme_id == programme_id, Person.status == PersonStatus.PAUSED,
                                col(Person.paused_until).is_not(None), col(Person.paused_until) <= now)
    return list(await session.exec(stmt.order_by(col(Person.id))))


async def end_pause(*, session: AsyncSession, person_id: int, status: PersonStatus, now: datetime) -> bool:
    """Back from a pause, once: False when someone else (a restart, another process, /resume) did it first."""
    result = await session.exec(
        update(Person)
        .where(col(Person.id) == person_id, col(Person.status) == PersonStatus.PAUSED,
               col(Person.paused_until).is_not(None), col(Person.paused_until) <= now)
        .values(status=status, paused_until=None, updated_at=now)
    )
    return bool(result.rowcount)
