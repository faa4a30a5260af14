"""People, profiles and their deletion."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ids import require_id
from storage.models import (
    AuditEvent,
    IdentityProof,
    Lead,
    Match,
    MatchRound,
    MatchStatus,
    Nudge,
    OnboardingSession,
    PairRule,
    PastMatch,
    Person,
    PersonStatus,
    Profile,
    ProgrammeCounter,
    ReplyClaim,
    SocialPost,
    SurveyAnswer,
)
from storage.queries import security


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


async def mark_dms_closed(*, session: AsyncSession, person_id: int, closed: bool = True) -> None:
    await session.exec(update(Person).where(col(Person.id) == person_id).values(dms_closed=closed))


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
    stmt = select(ProgrammeCounter).where(
        ProgrammeCounter.programme_id == programme_id, ProgrammeCounter.name == name
    )
    counter = (await session.exec(stmt)).first()
    if counter is None:
        counter = ProgrammeCounter(programme_id=programme_id, name=name, value=0)
    counter.value += by
    session.add(counter)
    await session.flush()


async def raise_mark(*, session: AsyncSession, programme_id: int, name: str, value: int) -> None:
    """Set the programme's mark ``name`` to ``value`` unless it is already higher (a high-water mark kept in
    the counters table, e.g. the newest member join the bot saw, in epoch seconds)."""
    stmt = select(ProgrammeCounter).where(
        ProgrammeCounter.programme_id == programme_id, ProgrammeCounter.name == name
    )
    counter = (await session.exec(stmt)).first() or ProgrammeCounter(programme_id=programme_id, name=name, value=0)
    counter.value = max(counter.value, value)
    session.add(counter)
    await session.flush()


async def get_mark(*, session: AsyncSession, programme_id: int, name: str) -> int | None:
    stmt = select(ProgrammeCounter.value).where(
        ProgrammeCounter.programme_id == programme_id, ProgrammeCounter.name == name
    )
    return (await session.exec(stmt)).first()


async def erase_person(*, session: AsyncSession, person_id: int) -> None:
    """Delete everything that names the person. Matches they were in are ended by the caller first;
    here match rows lose the link by being deleted along with their nudges (anonymous counts stay)."""
    person = await session.get(Person, person_id)
    if person is None:
        return
    match_ids = list(
        await session.exec(
            select(Match.id).where(
                or_(col(Match.mentor_person_id) == person_id, col(Match.mentee_person_id) == person_id)
            )
        )
    )
    await session.exec(
        delete(Nudge).where(or_(col(Nudge.person_id) == person_id, col(Nudge.match_id).in_(match_ids)))
    )
    # their survey answers (their partner's stay: they are the partner's, and name nobody else)
    await session.exec(delete(SurveyAnswer).where(col(SurveyAnswer.person_id) == person_id))
    # the programme keeps that each confirmed match existed, when it began and ended and how (no one named)
    for match in await session.exec(select(Match).where(col(Match.id).in_(match_ids))):
        if match.status != MatchStatus.PROPOSED:
            session.add(PastMatch(programme_id=match.programme_id, started_at=match.started_at or match.created_at,
                                  ended_at=match.ended_at, end_reason=match.end_reason))
    await session.exec(delete(Match).where(col(Match.id).in_(match_ids)))
    await session.exec(
        delete(PairRule).where(
            or_(col(PairRule.mentor_person_id) == person_id, col(PairRule.mentee_person_id) == person_id)
        )
    )
    leads = list(await session.exec(select(Lead).where(Lead.person_id == person_id)))
    lead_ids = [lead.id for lead in leads]
    await session.exec(delete(IdentityProof).where(col(IdentityProof.lead_id).in_(lead_ids)))
    if person.discord_user_id is not None:
        await security.delete_for_member(session=session, programme_id=person.programme_id,
                                         discord_user_id=person.discord_user_id)
    for lead in leads:
        await session.exec(
            delete(SocialPost).where(
                col(SocialPost.programme_id) == person.programme_id,
                col(SocialPost.platform) == lead.platform, col(SocialPost.author_id) == lead.author_id
            )
        )
        # the bot's own posts addressed to them (its invite reply starts with their @handle)
        await session.exec(
            delete(SocialPost).where(
                col(SocialPost.programme_id) == person.programme_id, col(SocialPost.platform) == lead.platform,
                or_(col(SocialPost.post_id) == (lead.reply_post_id or ""),
                    (col(SocialPost.kind) == "own") & col(SocialPost.text).contains(f"@{lead.author_handle}")),
            )
        )
        await session.exec(delete(ReplyClaim).where(  # which post of theirs the bot replied to
            col(ReplyClaim.programme_id) == person.programme_id, col(ReplyClaim.platform) == lead.platform,
            col(ReplyClaim.post_id) == lead.first_post_id))
        await session.delete(lead)
    # audit events keep what happened, not who: their actor and any reference to the person are dropped
    if person.discord_user_id is not None:
        await session.exec(
            update(AuditEvent)
            .where(col(AuditEvent.actor_discord_id) == person.discord_user_id)
            .values(actor_discord_id=None)
        )
    events = await session.exec(select(AuditEvent).where(AuditEvent.programme_id == person.programme_id))
    for event in events:
        if any(event.detail.get(k) == person_id for k in ("person_id", "mentor", "mentee")) or \
                any(v == person.discord_user_id for v in event.detail.values()):
            event.detail = {k: v for k, v in event.detail.items()
                            if k not in ("person_id", "mentor", "mentee") and v != person.discord_user_id}
            session.add(event)
    # stored match-round summaries keep pairs and unmatched people with their reasons: drop the person's
    rounds = await session.exec(select(MatchRound).where(MatchRound.programme_id == person.programme_id))
    for rnd in rounds:
        summary = dict(rnd.summary or {})
        pairs = [p for p in summary.get("pairs", []) if person_id not in (p.get("mentor"), p.get("mentee"))]
        unmatched = [u for u in summary.get("unmatched", []) if u.get("person") != person_id]
        if pairs != summary.get("pairs", []) or unmatched != summary.get("unmatched", []):
            rnd.summary = {**summary, "pairs": pairs, "unmatched": unmatched}
            session.add(rnd)
    await session.exec(delete(OnboardingSession).where(col(OnboardingSession.person_id) == person_id))
    await session.exec(delete(Profile).where(col(Profile.person_id) == person_id))
    await session.delete(person)
    await session.flush()


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
