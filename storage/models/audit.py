"""Audit events and anonymous counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import json_field, snowflake_field, ts_field


class AuditEvent(SQLModel, table=True):
    """Who did what, when. ``detail`` never holds personal data of someone who left."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    actor_discord_id: int | None = snowflake_field()
    action: str = Field(max_length=64, index=True)
    detail: dict[str, Any] = json_field()
    created_at: datetime = ts_field(default_now=True, index=True)


class ProgrammeCounter(SQLModel, table=True):
    """Anonymous counts that outlive personal data (e.g. people who left)."""

    __tablename__ = "programme_counter"
    __table_args__ = (UniqueConstraint("programme_id", "name", name="uq_programme_counter"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    name: str = Field(max_length=64)
    value: int = Field(default=0)


class PastMatch(SQLModel, table=True):
    """A match whose people have left, as anonymous facts: that it existed, when it began and ended, how it
    ended. Written when ``/leave`` erases a person, so statistics, digests and reports don't shrink."""

    __tablename__ = "past_match"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    started_at: datetime | None = ts_field()
    ended_at: datetime | None = ts_field(index=True)
    end_reason: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = ts_field(default_now=True)
