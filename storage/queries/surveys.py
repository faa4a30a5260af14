"""Surveys: invitations written once (insert-or-nothing on the ``uq_nudge_survey_once`` index), answers
recorded once per question, and the rows a report and ``/mydata`` read. Claiming and recording sends reuse
:mod:`storage.queries.nudges` with the survey kinds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import Match, MatchStatus, Nudge, NudgeKind, NudgeStatus, SurveyAnswer

SURVEY_ROWS = "kind IN ('survey', 'survey_reminder')"


@dataclass(frozen=True)
class Invite:
    """A survey (or its reminder) to write: once per match, person, kind and survey."""

    programme_id: int
    match_id: int
    person_id: int
    survey_key: str
    due_at: datetime
    kind: NudgeKind = NudgeKind.SURVEY


async def add_invites(*, session: AsyncSession, invites: Sequence[Invite]) -> int:
    """Write the invitations that do not exist yet — one statement each, insert-or-nothing on the partial
    unique index, so two planners (or two processes) can never write one twice. Returns how many were new."""
    added = 0
    insert = dialect_insert(session)
    for inv in invites:
        stmt = insert(Nudge).values(
            programme_id=inv.programme_id, match_id=inv.match_id, person_id=inv.person_id, kind=inv.kind,
            step_key=inv.survey_key, occurrence=0, due_at=inv.due_at, status=NudgeStatus.PENDING, attempts=0,
        ).on_conflict_do_nothing(index_elements=["match_id", "person_id", "kind", "step_key"],
                                 index_where=text(SURVEY_ROWS))
        result = await session.exec(stmt)
        added += int(result.rowcount or 0)
    return added


async def invited_keys(*, session: AsyncSession, match_ids: Sequence[int]) -> set[tuple[int, int, str]]:
    """(match, person, survey) of every survey already written for these matches, whatever its status."""
    if not match_ids:
        return set()
    rows = await session.exec(select(Nudge.match_id, Nudge.person_id, Nudge.step_key).where(
        col(Nudge.match_id).in_(list(match_ids)), col(Nudge.kind) == NudgeKind.SURVEY))
    return {(int(m), int(p), str(k)) for m, p, k in rows if m is not None and p is not None}


async def cancelled_invites(*, session: AsyncSession, match_ids: Sequence[int], kind: NudgeKind = NudgeKind.SURVEY
                            ) -> dict[tuple[int, int, str], Nudge]:
    """(match, person, survey) -> the row of ``kind``, of the surveys (or reminders) of these matches that were
    cancelled before they went out (their person was paused, say): written again when they are due once more."""
    if not match_ids:
        return {}
    rows = await session.exec(select(Nudge).where(
        col(Nudge.match_id).in_(list(match_ids)), col(Nudge.kind) == kind,
        col(Nudge.status) == NudgeStatus.CANCELLED, col(Nudge.sent_at).is_(None)))
    return {(int(n.match_id), int(n.person_id), n.step_key): n for n in rows
            if n.match_id is not None and n.person_id is not None}


async def revive_invite(*, session: AsyncSession, invite_id: int, due_at: datetime) -> bool:
    """A cancelled survey (or reminder) row pending again at ``due_at`` (only while still cancelled, never sent)."""
    result = await session.exec(
        update(Nudge).where(col(Nudge.id) == invite_id, col(Nudge.status) == NudgeStatus.CANCELLED,
                            col(Nudge.sent_at).is_(None))
        .values(status=NudgeStatus.PENDING, due_at=due_at, claimed_by=None, last_error="revived"))
    return bool(result.rowcount)


async def matches_to_survey(*, session: AsyncSession, programme_id: int, started_since: datetime | None,
                            ended_since: datetime) -> list[Match]:
    """Mentoring matches a survey may still be due for: active ones started since ``started_since`` (None: any)
    and ended ones that ended since ``ended_since`` (the planner's window)."""
    active = (col(Match.status) == MatchStatus.ACTIVE) & col(Match.started_at).is_not(None)
    if started_since is not None:
        active = active & (col(Match.started_at) >= started_since)
    stmt = select(Match).where(
        col(Match.programme_id) == programme_id, col(Match.kind) == "mentoring",
        active | ((col(Match.status) == MatchStatus.ENDED) & (col(Match.ended_at) >= ended_since)
                  & col(Match.started_at).is_not(None)),
    )
    return list(await session.exec(stmt.order_by(col(Match.id))))


async def answers_of_invite(*, session: AsyncSession, invite_id: int) -> list[SurveyAnswer]:
    stmt = select(SurveyAnswer).where(SurveyAnswer.invite_id == invite_id).order_by(col(SurveyAnswer.id))
    return list(await session.exec(stmt))


async def add_answer(*, session: AsyncSession, answer: SurveyAnswer) -> bool:
    """Record one answer; False (nothing changes) when that question of that survey was answered already."""
    insert = dialect_insert(session)
    values: dict[str, Any] = answer.model_dump(exclude={"id"})
    stmt = insert(SurveyAnswer).values(**values).on_conflict_do_nothing(
        index_elements=["invite_id", "question_key"])
    result = await session.exec(stmt)
    return bool(result.rowcount)


async def set_quote_consent(*, session: AsyncSession, invite_id: int, question_key: str, ok: bool) -> bool:
    """Record whether a free-text answer may be quoted (once: False when already said)."""
    result = await session.exec(
        update(SurveyAnswer)
        .where(col(SurveyAnswer.invite_id) == invite_id, col(SurveyAnswer.question_key) == question_key,
               col(SurveyAnswer.quote_ok).is_(None), col(SurveyAnswer.value_text).is_not(None))
        .values(quote_ok=ok)
    )
    return bool(result.rowcount)


async def answers_in_programme(*, session: AsyncSession, programme_id: int, since: datetime | None = None,
                               until: datetime | None = None, cohort_round_id: int | None = None
                               ) -> list[SurveyAnswer]:
    stmt = select(SurveyAnswer).where(SurveyAnswer.programme_id == programme_id)
    if since is not None:
        stmt = stmt.where(col(SurveyAnswer.answered_at) >= since)
    if until is not None:
        stmt = stmt.where(col(SurveyAnswer.answered_at) < until)
    if cohort_round_id is not None:
        stmt = stmt.where(col(SurveyAnswer.cohort_round_id) == cohort_round_id)
    return list(await session.exec(stmt.order_by(col(SurveyAnswer.id))))


async def surveys_sent(*, session: AsyncSession, programme_id: int, since: datetime | None = None,
                       until: datetime | None = None, match_ids: Sequence[int] | None = None) -> list[Nudge]:
    """The surveys that went out (not reminders), optionally sent in a period or to some matches."""
    stmt = select(Nudge).where(col(Nudge.programme_id) == programme_id, col(Nudge.kind) == NudgeKind.SURVEY,
                               col(Nudge.status) == NudgeStatus.SENT)
    if since is not None:
        stmt = stmt.where(col(Nudge.sent_at) >= since)
    if until is not None:
        stmt = stmt.where(col(Nudge.sent_at) < until)
    if match_ids is not None:
        stmt = stmt.where(col(Nudge.match_id).in_(list(match_ids)))
    return list(await session.exec(stmt.order_by(col(Nudge.id))))


async def reminder_of(*, session: AsyncSession, invite: Nudge) -> Nudge | None:
    stmt = select(Nudge).where(col(Nudge.match_id) == invite.match_id, col(Nudge.person_id) == invite.person_id,
                               col(Nudge.kind) == NudgeKind.SURVEY_REMINDER, col(Nudge.step_key) == invite.step_key)
    return (await session.exec(stmt)).first()


async def survey_invite(*, session: AsyncSession, match_id: int | None, person_id: int | None,
                        survey_key: str) -> Nudge | None:
    stmt = select(Nudge).where(col(Nudge.match_id) == match_id, col(Nudge.person_id) == person_id,
                               col(Nudge.kind) == NudgeKind.SURVEY, col(Nudge.step_key) == survey_key)
    return (await session.exec(stmt)).first()


async def answers_of_person(*, session: AsyncSession, person_id: int) -> list[SurveyAnswer]:
    stmt = select(SurveyAnswer).where(SurveyAnswer.person_id == person_id).order_by(col(SurveyAnswer.id))
    return list(await session.exec(stmt))


async def end_ratings(*, session: AsyncSession, match_id: int, person_id: int) -> list[SurveyAnswer]:
    """The person's scale answers in the end-of-match surveys of one match."""
    stmt = select(SurveyAnswer).where(
        col(SurveyAnswer.match_id) == match_id, col(SurveyAnswer.person_id) == person_id,
        col(SurveyAnswer.point) == "end", col(SurveyAnswer.value_int).is_not(None))
    return list(await session.exec(stmt.order_by(col(SurveyAnswer.id))))


async def text_answers_of_matches(*, session: AsyncSession, match_ids: Sequence[int]) -> list[SurveyAnswer]:
    """Every answer with text (written words, or a choice) in the surveys of those matches."""
    stmt = select(SurveyAnswer).where(col(SurveyAnswer.match_id).in_(list(match_ids)),
                                      col(SurveyAnswer.value_text).is_not(None))
    return list(await session.exec(stmt.order_by(col(SurveyAnswer.id))))


async def delete_answers_of_person(*, session: AsyncSession, person_id: int) -> int:
    result = await session.exec(delete(SurveyAnswer).where(col(SurveyAnswer.person_id) == person_id))
    return int(result.rowcount or 0)
