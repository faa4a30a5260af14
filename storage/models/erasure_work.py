"""Work left after an erasure, queued in the erasure's own transaction so that a process that stops right after
``/leave`` commits cannot lose it: rewrite the tables that held the person's rows (no deleted row version left in
the database files), and delete the bot's public posts that named them. A row holds only what the work needs:
table names and a transaction id, or a platform and a post id — no name, handle or Discord id."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, ts_field


class ErasureWorkKind(StrEnum):
    REWRITE = "rewrite"  # rewrite ``tables`` once no transaction older than ``after_xid`` is open
    DELETE_POST = "delete_post"  # delete the bot's own public post ``post_id`` on ``platform``


class ErasureWorkStatus(StrEnum):
    """pending → claimed (by one worker) → done (the row is deleted); or failed (given up, organisers told)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    FAILED = "failed"
    SENT = "sent"  # :mod:`storage.queries.claims`' word for done; a done row is deleted, so never stored


class ErasureWork(SQLModel, table=True):
    __tablename__ = "erasure_work"
    __table_args__ = (Index("ix_erasure_work_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    #: the programme whose organisers hear of a post that could not be deleted (none for a rewrite)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    kind: ErasureWorkKind = enum_field(ErasureWorkKind, length=20)
    #: REWRITE: the tables, comma-separated
    tables: str = Field(default="", max_length=4000)
    #: REWRITE (PostgreSQL): the erasing transaction's id; the rewrite waits for transactions older than it
    after_xid: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    #: DELETE_POST: where, and which of the bot's own posts
    platform: str | None = Field(default=None, max_length=20)
    post_id: str | None = Field(default=None, max_length=300)
    status: ErasureWorkStatus = enum_field(ErasureWorkStatus, default=ErasureWorkStatus.PENDING)
    due_at: datetime = ts_field(nullable=False)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = ts_field()
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = ts_field(default_now=True)
