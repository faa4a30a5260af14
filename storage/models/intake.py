"""Social posts, leads from them, and the pollers' cursors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, json_field, ts_field


class LeadStatus(StrEnum):
    """new → replying (committed before the request) → replied; or queueing → queued (in the organisers'
    channel); then linked (to a member by the claim code), dismissed, or merged into another lead."""

    NEW = "new"
    REPLYING = "replying"
    REPLIED = "replied"
    QUEUEING = "queueing"
    QUEUED = "queued"
    LINKED = "linked"
    DISMISSED = "dismissed"
    MERGED = "merged"


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.REPLYING, LeadStatus.REPLIED, LeadStatus.QUEUEING, LeadStatus.QUEUED)


class SocialPost(SQLModel, table=True):
    """A post seen by a programme's poller. Recorded once per programme: two programmes on one hashtag
    each record it (and each get their lead); a programme never sees another's rows."""

    __tablename__ = "social_post"
    __table_args__ = (
        UniqueConstraint("programme_id", "platform", "post_id", name="uq_social_post_programme_platform_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    platform: str = Field(max_length=20)
    post_id: str = Field(max_length=64)
    author_id: str = Field(max_length=64, index=True)
    author_handle: str = Field(default="", max_length=100)
    text: str = Field(default="")
    # original | reply | quote | retweet | own
    kind: str = Field(default="original", max_length=20)
    posted_at: datetime | None = ts_field()
    seen_at: datetime = ts_field(default_now=True)


class ReplyClaim(SQLModel, table=True):
    """The bot's one reply to a post, claimed before it is sent: unique per platform and post across every
    programme, taken by an insert-or-nothing, so of two programmes polling one hashtag at the same instant
    exactly one replies (the other queues the lead for its organisers)."""

    __tablename__ = "reply_claim"
    __table_args__ = (UniqueConstraint("platform", "post_id", name="uq_reply_claim_platform_post"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    platform: str = Field(max_length=20)
    post_id: str = Field(max_length=64)
    claimed_at: datetime = ts_field(default_now=True)


class Lead(SQLModel, table=True):
    """One person found through a hashtag: one lead per author per platform per programme."""

    __tablename__ = "lead"
    __table_args__ = (
        UniqueConstraint("programme_id", "platform", "author_id", name="uq_lead_programme_author"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    platform: str = Field(max_length=20)
    author_id: str = Field(max_length=64)
    author_handle: str = Field(default="", max_length=100)
    author_name: str = Field(default="", max_length=200)
    first_post_id: str = Field(max_length=64)
    claim_code: str = Field(unique=True, index=True, max_length=32)
    code_expires_at: datetime | None = ts_field()
    status: LeadStatus = enum_field(LeadStatus, default=LeadStatus.NEW, index=True)
    reply_post_id: str | None = Field(default=None, max_length=64)
    suggestions: dict[str, Any] = json_field()
    person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = ts_field(default_now=True)
    updated_at: datetime = ts_field(default_now=True)


class PollCursor(SQLModel, table=True):
    """Where a programme's poller of one platform and query has read up to."""

    __tablename__ = "poll_cursor"
    __table_args__ = (
        UniqueConstraint("programme_id", "platform", "query", name="uq_poll_cursor_programme_query"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    platform: str = Field(max_length=20)
    query: str = Field(max_length=500)
    since_id: str | None = Field(default=None, max_length=64)
    paused_until: datetime | None = ts_field()
    disabled_reason: str | None = Field(default=None)
    updated_at: datetime = ts_field(default_now=True)
