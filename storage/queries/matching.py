"""Match rounds, matches and pair rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    OPEN_ANNOUNCE_STEPS,
    AnnounceStep,
    Match,
    MatchRound,
    MatchStatus,
    PairRule,
    PairRuleKind,
    PastMatch,
    RoundStatus,
    SpaceKind,
)


async def add_round(
    *,
    session: AsyncSession,
    programme_id: int,
    created_by: int | None,
    fingerprint: str,
    certified: bool,
    summary: dict[str, Any],
    now: datetime,
) -> MatchRound:
    row = MatchRound(
        programme_id=programme_id, created_by=created_by, profiles_fingerprint=fingerprint,
        certified=certified, summary=summary, created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def latest_round(*, session: AsyncSession, programme_id: int) -> MatchRound | None:
    """The programme's latest matching run, previewed or confirmed."""
    stmt = select(MatchRound).where(MatchRound.programme_id == programme_id).order_by(col(MatchRound.id).desc())
    return (await session.exec(stmt)).first()


async def latest_preview(*, session: AsyncSession, programme_id: int) -> MatchRound | None:
    stmt = (
        select(MatchRound)
        .where(MatchRound.programme_id == programme_id, MatchRound.status == RoundStatus.PREVIEW)
        .order_by(col(MatchRound.id).desc())
    )
    return (await session.exec(stmt)).first()


async def confirm_round(*, session: AsyncSession, round_id: int, now: datetime) -> bool:
    """Mark a preview confirmed, once. ``False`` when it was not a preview any more."""
    result = await session.exec(
        update(MatchRound)
        .where(col(MatchRound.id) == round_id, col(MatchRound.status) == RoundStatus.PREVIEW)
        .values(status=RoundStatus.CONFIRMED, confirmed_at=now)
    )
    return bool(result.rowcount)


async def add_match(*, session: AsyncSession, match: Match) -> Match:
    session.add(match)
    await session.flush()
    return match


async def get_match(*, session: AsyncSession, match_id: int) -> Match | None:
    return await session.get(Match, match_id)


async def matches_in_programme(
    *, session: AsyncSession, programme_id: int, statuses: tuple[MatchStatus, ...] | None = None
) -> list[Match]:
    stmt = select(Match).where(Match.programme_id == programme_id)
    if statuses:
        stmt = stmt.where(col(Match.status).in_(statuses))
    return list(await session.exec(stmt.order_by(col(Match.id))))


async def matches_of_person(*, session: AsyncSession, person_id: int) -> list[Match]:
    stmt = select(Match).where(
        or_(col(Match.mentor_person_id) == person_id, col(Match.mentee_person_id) == person_id)
    )
    return list(await session.exec(stmt.order_by(col(Match.id))))


async def matches_to_announce(*, session: AsyncSession, programme_id: int | None = None) -> list[Match]:
    """Active matches whose announcement is not finished (reconciled on start-up)."""
    stmt = select(Match).where(Match.status == MatchStatus.ACTIVE, col(Match.announce_state).in_(OPEN_ANNOUNCE_STEPS))
    if programme_id is not None:
        stmt = stmt.where(Match.programme_id == programme_id)
    return list(await session.exec(stmt.order_by(col(Match.id))))


async def pod_of_mentor(*, session: AsyncSession, programme_id: int, mentor_person_id: int) -> int | None:
    """The space of the mentor's pod: the space of one of their active matches (the oldest), if any."""
    stmt = select(Match.space_id).where(
        Match.programme_id == programme_id, Match.mentor_person_id == mentor_person_id,
        Match.status == MatchStatus.ACTIVE, col(Match.space_id).is_not(None),
    )
    return (await session.exec(stmt.order_by(col(Match.id)))).first()


async def last_space_of_mentor(*, session: AsyncSession, programme_id: int, mentor_person_id: int) -> int | None:
    """The space of the mentor's newest match that had one, whatever its status (e.g. their archived pod)."""
    stmt = select(Match.space_id).where(
        Match.programme_id == programme_id, Match.mentor_person_id == mentor_person_id,
        col(Match.space_id).is_not(None),
    )
    return (await session.exec(stmt.order_by(col(Match.id).desc()))).first()


async def active_matches_in_space(*, session: AsyncSession, space_id: int) -> list[Match]:
    """The active matches sharing one private space (a mentor's pod holds several)."""
    stmt = select(Match).where(Match.space_id == space_id, Match.status == MatchStatus.ACTIVE)
    return list(await session.exec(stmt.order_by(col(Match.id))))


async def advance_announcement(
    *,
    session: AsyncSession,
    match_id: int,
    from_state: AnnounceStep,
    to_state: AnnounceStep,
    space_kind: SpaceKind | None = None,
    space_id: int | None = None,
    intro_message_id: int | None = None,
) -> bool:
    """Guarded step of the announcement state machine. ``False`` if someone else moved it."""
    values: dict[str, Any] = {"announce_state": to_state}
    if space_kind is not None:
        values["space_kind"] = space_kind
    if space_id is not None:
        values["space_id"] = space_id
    if intro_message_id is not None:
        values["intro_message_id"] = intro_message_id
    result = await session.exec(
        update(Match)
        .where(col(Match.id) == match_id, col(Match.announce_state) == from_state)
        .values(**values)
    )
    return bool(result.rowcount)


async def forget_space(*, session: AsyncSession, match_id: int, space_id: int) -> bool:
    """The match's space (``space_id``) was found deleted: the match has no space from now on. ``True`` only for
    the call that forgot it (two processes finding it gone at once: one of them)."""
    result = await session.exec(
        update(Match)
        .where(col(Match.id) == match_id, col(Match.space_id) == space_id)
        .values(space_id=None, space_kind=None)
    )
    return bool(result.rowcount)


async def end_match(*, session: AsyncSession, match_id: int, reason: str, now: datetime) -> bool:
    """End an active match once. ``False`` when it was not active."""
    result = await session.exec(
        update(Match)
        .where(col(Match.id) == match_id, col(Match.status) == MatchStatus.ACTIVE)
        .values(status=MatchStatus.ENDED, ended_at=now, end_reason=reason)
    )
    return bool(result.rowcount)


async def set_pair_rule(
    *, session: AsyncSession, programme_id: int, mentor_person_id: int, mentee_person_id: int, kind: PairRuleKind
) -> PairRule:
    stmt = select(PairRule).where(
        PairRule.programme_id == programme_id,
        PairRule.mentor_person_id == mentor_person_id,
        PairRule.mentee_person_id == mentee_person_id,
    )
    rule = (await session.exec(stmt)).first()
    if rule is None:
        rule = PairRule(
            programme_id=programme_id, mentor_person_id=mentor_person_id, mentee_person_id=mentee_person_id,
            kind=kind,
        )
    rule.kind = kind
    session.add(rule)
    await session.flush()
    return rule


async def pair_rules(*, session: AsyncSession, programme_id: int) -> list[PairRule]:
    stmt = select(PairRule).where(PairRule.programme_id == programme_id).order_by(col(PairRule.id))
    return list(await session.exec(stmt))


async def ended_match_count_since(*, session: AsyncSession, programme_id: int, since: datetime) -> int:
    """Matches that ended since ``since``, including those whose people have since left (anonymous)."""
    live = await session.exec(select(func.count()).select_from(Match).where(
        Match.programme_id == programme_id, Match.status == MatchStatus.ENDED, col(Match.ended_at) >= since))
    past = await session.exec(select(func.count()).select_from(PastMatch).where(
        PastMatch.programme_id == programme_id, col(PastMatch.ended_at) >= since))
    return int(live.one()) + int(past.one())


async def match_totals(*, session: AsyncSession, programme_id: int) -> tuple[int, int]:
    """(matches ever confirmed, of which ended) — people who left still count, anonymously."""
    rows = await session.exec(select(Match.status, func.count()).where(
        Match.programme_id == programme_id, Match.status != MatchStatus.PROPOSED).group_by(Match.status))
    by_status = {status: int(n) for status, n in rows}
    past = await session.exec(select(func.count()).select_from(PastMatch).where(
        PastMatch.programme_id == programme_id))
    gone = int(past.one())
    return sum(by_status.values()) + gone, by_status.get(MatchStatus.ENDED, 0) + gone


async def confirmed_rounds(*, session: AsyncSession, programme_id: int) -> list[MatchRound]:
    """The programme's confirmed matching runs, newest first."""
    stmt = (select(MatchRound)
            .where(MatchRound.programme_id == programme_id, MatchRound.status == RoundStatus.CONFIRMED)
            .order_by(col(MatchRound.id).desc()))
    return list(await session.exec(stmt))
