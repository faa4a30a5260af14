"""What the mentoring achieves: a pair's goals (set by the mentee, progress from either of the pair) and the
stories people chose to share when their match ended."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, ts_field


class GoalProgress(StrEnum):
    """Where a goal stands, as the pair says in a check-in or with ``/goals``."""

    NOT_STARTED = "not_started"
    UNDER_WAY = "under_way"
    ACHIEVED = "achieved"
    CHANGED = "changed"  # the goal itself changed (the mentee rewrites it, or it no longer fits)


class Goal(SQLModel, table=True):
    """One of the (one to three) goals of a match, in the mentee's words. Personal data: in ``/mydata``,
    erased by ``/leave`` with the match."""

    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("match_id", "position", name="uq_goal_match_position"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    match_id: int = Field(foreign_key="match.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)  # the mentee, who owns the goals
    position: int = Field(ge=1, le=3)
    text: str = Field(max_length=150)
    source_key: str | None = Field(default=None, max_length=64)  # the profile option it started from
    progress: GoalProgress = enum_field(GoalProgress, default=GoalProgress.NOT_STARTED)
    progress_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = ts_field(default_now=True)
    updated_at: datetime = ts_field(default_now=True)
    progress_at: datetime | None = ts_field()


class StoryStatus(StrEnum):
    """offered → written (a draft; may be rewritten) → posting (claimed for one post) → posted | shared
    (organisers only); or declined; failed when the platform's answer left it unclear."""

    OFFERED = "offered"
    WRITTEN = "written"
    POSTING = "posting"
    POSTED = "posted"
    SHARED = "shared"
    DECLINED = "declined"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class Story(SQLModel, table=True):
    """The one offer, per person and match, to share a short story when the match ended. Nothing leaves the
    bot before the person confirmed the exact text and where it goes (``version`` ties a confirmation to the
    preview it answered)."""

    __tablename__ = "story"
    __table_args__ = (UniqueConstraint("programme_id", "person_id", "match_ref", name="uq_story_person_match"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    match_id: int | None = Field(default=None, foreign_key="match.id", index=True)
    match_ref: int = Field()  # the match's id, kept when the match row goes (the offer is still made once)
    status: StoryStatus = enum_field(StoryStatus, default=StoryStatus.OFFERED, index=True)
    text: str = Field(default="", max_length=600)
    version: int = Field(default=0)
    destination: str | None = Field(default=None, max_length=20)  # x | bluesky | mastodon | organisers
    with_handle: bool = Field(default=False)
    posted_text: str | None = Field(default=None, max_length=1000)
    post_id: str | None = Field(default=None, max_length=200)
    post_url: str | None = Field(default=None, max_length=500)
    offered_at: datetime = ts_field(default_now=True)
    updated_at: datetime = ts_field(default_now=True)
    posted_at: datetime | None = ts_field()
    last_error: str | None = Field(default=None, max_length=500)
