"""Scheduled messages: check-ins, reminders, digests. The database is the truth; the scheduler the clock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, snowflake_field, ts_field


class NudgeKind(StrEnum):
    CHECKIN = "checkin"  # a check-in with answer buttons
    FEEDBACK = "feedback"  # the end-of-cohort survey
    MESSAGE = "message"  # a plain message of the plan
    ONBOARDING_REMINDER = "onboarding_reminder"
    DIGEST = "digest"  # the organisers' weekly digest (no match, no person)
    SURVEY = "survey"  # a programme's survey (step_key: the survey's key), once per match and person
    SURVEY_REMINDER = "survey_reminder"  # its one reminder


MATCH_KINDS = (NudgeKind.CHECKIN, NudgeKind.FEEDBACK, NudgeKind.MESSAGE)  # the kinds a match's plan writes
SURVEY_KINDS = (NudgeKind.SURVEY, NudgeKind.SURVEY_REMINDER)  # the kinds the surveys feature writes and claims


class NudgeStatus(StrEnum):
    """pending → claimed (by one worker) → sent; or cancelled, or failed after its retries."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Nudge(SQLModel, table=True):
    """One message due at one time. One nudge per match + person + kind + due time."""

    __tablename__ = "nudge"
    __table_args__ = (
        UniqueConstraint("match_id", "person_id", "kind", "due_at", name="uq_nudge_match_kind_due"),
        Index("ix_nudge_status_due", "status", "due_at"),
        # a survey (and its reminder) exists at most once per match, person and survey: never sent twice
        Index("uq_nudge_survey_once", "match_id", "person_id", "kind", "step_key", unique=True,
              sqlite_where=text("kind IN ('survey', 'survey_reminder')"),
              postgresql_where=text("kind IN ('survey', 'survey_reminder')")),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    match_id: int | None = Field(default=None, foreign_key="match.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    kind: NudgeKind = enum_field(NudgeKind, length=30)
    step_key: str = Field(default="", max_length=64)
    occurrence: int = Field(default=0)
    due_at: datetime = ts_field(nullable=False)
    status: NudgeStatus = enum_field(NudgeStatus, default=NudgeStatus.PENDING)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = ts_field()
    sent_at: datetime | None = ts_field()
    channel_id: int | None = snowflake_field()
    message_id: int | None = snowflake_field()
    answer: str | None = Field(default=None, max_length=20)
    answered_at: datetime | None = ts_field()
    note: str | None = Field(default=None, max_length=1000)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None)
