"""Programme events (Discord Scheduled Events the bot created), people's answers to them, and the messages the
bot sends about them — each message one row, claimed once, like a nudge."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, snowflake_field, ts_field


class EventKind(StrEnum):
    DEVELOPMENT_DAY = "development_day"
    WEBINAR = "webinar"
    TRAINING = "training"  # cohort training: attending can satisfy a round's prerequisite


class EventAudience(StrEnum):
    EVERYONE = "everyone"
    MENTORS = "mentors"
    ROUND = "round"


class EventStatus(StrEnum):
    """scheduled → started → ended; or cancelled."""

    SCHEDULED = "scheduled"
    STARTED = "started"
    ENDED = "ended"
    CANCELLED = "cancelled"


class RsvpResponse(StrEnum):
    INTERESTED = "interested"  # marked "Interested" in Discord
    GOING = "going"  # "I'll be there" on a reminder
    DECLINED = "declined"  # "Can't make it": no more reminders


class EventMessageKind(StrEnum):
    REMINDER = "reminder"
    START = "start"
    FEEDBACK = "feedback"
    CANCELLED = "cancelled"


class EventMessageStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ProgrammeEvent(SQLModel, table=True):
    __tablename__ = "programme_event"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    discord_event_id: int | None = snowflake_field(index=True)
    title: str = Field(max_length=100)
    kind: EventKind = enum_field(EventKind, length=20)
    audience: EventAudience = enum_field(EventAudience, length=20)
    cohort_round_id: int | None = Field(default=None, foreign_key="cohort_round.id")
    #: the round prerequisite that attending satisfies (training events), e.g. "training"
    prerequisite: str | None = Field(default=None, max_length=64)
    starts_at: datetime = ts_field(nullable=False, index=True)
    ends_at: datetime = ts_field(nullable=False)
    zone: str = Field(default="UTC", max_length=64)  # the organiser's time zone, for how it is shown to them
    online: bool = Field(default=True)
    location: str = Field(default="", max_length=500)  # the link, or the place
    status: EventStatus = enum_field(EventStatus, default=EventStatus.SCHEDULED, index=True)
    created_at: datetime = ts_field(default_now=True)
    started_at: datetime | None = ts_field()
    ended_at: datetime | None = ts_field()


class EventRsvp(SQLModel, table=True):
    """One person's answer to one event, whether they attended, and their one feedback answer."""

    __tablename__ = "event_rsvp"
    __table_args__ = (UniqueConstraint("event_id", "person_id", name="uq_event_rsvp_person"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="programme_event.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    response: RsvpResponse | None = enum_field(RsvpResponse, nullable=True)
    responded_at: datetime | None = ts_field()
    attended: bool | None = Field(default=None)
    attendance_at: datetime | None = ts_field()
    feedback: str | None = Field(default=None, max_length=20)
    feedback_at: datetime | None = ts_field()


class EventMessage(SQLModel, table=True):
    """One message to one person about one event (a reminder point, the start, the feedback question, a
    cancellation): planned once (unique), claimed atomically when due, sent exactly once."""

    __tablename__ = "event_message"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id", "kind", "point", name="uq_event_message_once"),
        Index("ix_event_message_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="programme_event.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: EventMessageKind = enum_field(EventMessageKind, length=20)
    point: str = Field(default="", max_length=8)  # a reminder's point ("7d", "1h"); "" for the others
    due_at: datetime = ts_field(nullable=False)
    status: EventMessageStatus = enum_field(EventMessageStatus, default=EventMessageStatus.PENDING)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = ts_field()
    attempts: int = Field(default=0)
    sent_at: datetime | None = ts_field()
    channel_id: int | None = snowflake_field()
    message_id: int | None = snowflake_field()
    last_error: str | None = Field(default=None, max_length=500)
