"""Match rounds, matches and organisers' pair rules."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, json_field, snowflake_field, ts_field


class RoundStatus(StrEnum):
    """A matching run: previewed, then confirmed (its pairs become matches) or discarded."""

    PREVIEW = "preview"
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"


class MatchStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ENDED = "ended"


class AnnounceStep(StrEnum):
    """A confirmed pair's announcement, one guarded step at a time: pending → creating → created (the private
    space exists) → introduced (the introduction is posted) → done."""

    PENDING = "pending"
    CREATING = "creating"
    CREATED = "created"
    INTRODUCED = "introduced"
    DONE = "done"


OPEN_ANNOUNCE_STEPS = (AnnounceStep.PENDING, AnnounceStep.CREATING, AnnounceStep.CREATED, AnnounceStep.INTRODUCED)


class SpaceKind(StrEnum):
    """A pair's private space: a private channel, or a private thread once channels would hit Discord's limits."""

    CHANNEL = "channel"
    THREAD = "thread"


class PairRuleKind(StrEnum):
    FORBID = "forbid"
    FORCE = "force"


class MatchRound(SQLModel, table=True):
    """A preview of a matching run; confirming it makes its pairs real."""

    __tablename__ = "match_round"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    status: RoundStatus = enum_field(RoundStatus, default=RoundStatus.PREVIEW)
    created_by: int | None = snowflake_field()
    profiles_fingerprint: str = Field(default="", max_length=128)
    certified: bool = Field(default=False)
    summary: dict[str, Any] = json_field()
    created_at: datetime = ts_field(default_now=True)
    confirmed_at: datetime | None = ts_field()


class Match(SQLModel, table=True):
    """A mentor–mentee pair. A mentee has at most one active match (partial unique index)."""

    __tablename__ = "match"
    __table_args__ = (
        UniqueConstraint("round_id", "mentee_person_id", name="uq_match_round_mentee"),
        Index(
            "uq_match_active_mentee",
            "programme_id",
            "mentee_person_id",
            unique=True,
            sqlite_where=text(f"status = '{MatchStatus.ACTIVE}'"),
            postgresql_where=text(f"status = '{MatchStatus.ACTIVE}'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="match_round.id", index=True)
    mentor_person_id: int = Field(foreign_key="person.id", index=True)
    mentee_person_id: int = Field(foreign_key="person.id", index=True)
    score: float = Field(default=0.0)
    reasons: str = Field(default="")
    # the relationship: "mentoring", or a programme's lighter "check-in" (its own nudge plan)
    kind: str = Field(default="mentoring", max_length=20, sa_column_kwargs={"server_default": "mentoring"})
    cohort_round_id: int | None = Field(default=None, foreign_key="cohort_round.id")
    status: MatchStatus = enum_field(MatchStatus, default=MatchStatus.PROPOSED, index=True)
    announce_state: AnnounceStep = enum_field(AnnounceStep, default=AnnounceStep.PENDING)
    space_kind: SpaceKind | None = enum_field(SpaceKind, nullable=True)
    space_id: int | None = snowflake_field()
    intro_message_id: int | None = snowflake_field()
    created_at: datetime = ts_field(default_now=True)
    started_at: datetime | None = ts_field()
    ended_at: datetime | None = ts_field()
    end_reason: str | None = Field(default=None)


class PairRule(SQLModel, table=True):
    """An organiser's rule about two people: ``forbid`` or ``force``."""

    __tablename__ = "pair_rule"
    __table_args__ = (
        UniqueConstraint("programme_id", "mentor_person_id", "mentee_person_id", name="uq_pair_rule"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    mentor_person_id: int = Field(foreign_key="person.id")
    mentee_person_id: int = Field(foreign_key="person.id")
    kind: PairRuleKind = enum_field(PairRuleKind, length=10)
    created_at: datetime = ts_field(default_now=True)


class CohortRound(SQLModel, table=True):
    """A programme's intake round (cohort): opened, closed, then matched. People who are not ready when it is
    matched stay for the next round."""

    __tablename__ = "cohort_round"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    name: str = Field(max_length=100)
    # open | closed | matched
    status: str = Field(default="open", max_length=20)
    opens_on: date | None = Field(default=None)
    closes_on: date | None = Field(default=None)
    prerequisites: list[str] = json_field(default_factory=list)
    created_at: datetime = ts_field(default_now=True)
    closed_at: datetime | None = ts_field()


class PrerequisiteDone(SQLModel, table=True):
    """A prerequisite (e.g. "training") a person completed: confirmed by them or marked by an organiser."""

    __tablename__ = "prerequisite_done"
    __table_args__ = (UniqueConstraint("programme_id", "person_id", "key", name="uq_prerequisite_done"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    key: str = Field(max_length=40)
    marked_by: int | None = snowflake_field()  # the organiser's Discord id; None when the person confirmed
    done_at: datetime = ts_field(default_now=True)
