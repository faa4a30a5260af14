"""Match rounds, matches and organisers' pair rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.base import json_field, snowflake_field, ts_field


class MatchRound(SQLModel, table=True):
    """A preview of a matching run; confirming it makes its pairs real."""

    __tablename__ = "match_round"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    # preview | confirmed | discarded
    status: str = Field(default="preview", max_length=20)
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
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
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
    # proposed | active | ended
    status: str = Field(default="proposed", max_length=20, index=True)
    # announcement: pending | creating | created | introduced | done
    announce_state: str = Field(default="pending", max_length=20)
    space_kind: str | None = Field(default=None, max_length=20)
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
    kind: str = Field(max_length=10)
    created_at: datetime = ts_field(default_now=True)
