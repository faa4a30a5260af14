"""Programmes, people, their profiles and onboarding conversations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import enum_field, json_field, snowflake_field, ts_field


class PersonStatus(StrEnum):
    JOINED = "joined"  # in the server, interview not started
    ONBOARDING = "onboarding"
    ACTIVE = "active"  # interviewed: can be matched
    PAUSED = "paused"
    LEFT = "left"


INACTIVE = (PersonStatus.PAUSED, PersonStatus.LEFT)  # people nobody nudges or matches


class OnboardingStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class Programme(SQLModel, table=True):
    """One mentoring programme in one guild. Config-file values are defaults; ``settings`` holds what
    organisers set from Discord, which wins."""

    __tablename__ = "programme"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=200)
    guild_id: int = snowflake_field(nullable=False, index=True)
    settings: dict[str, Any] = json_field()
    created_at: datetime = ts_field(default_now=True)


class Person(SQLModel, table=True):
    """A human the bot knows in one programme: from Discord, from a hashtag post, or both."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("programme_id", "discord_user_id", name="uq_person_programme_discord"),
        # the organisers' people table sorts and pages a programme's people by these (storage/queries/directory)
        Index("ix_person_directory_name", "programme_id", "display_name", "id"),
        Index("ix_person_directory_joined", "programme_id", "created_at", "id"),
        Index("ix_person_directory_status", "programme_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    discord_user_id: int | None = snowflake_field(index=True)
    display_name: str = Field(default="", max_length=200)
    x_handle: str | None = Field(default=None, max_length=100)
    #: an imported person's Discord username, as the organiser's spreadsheet gave it (lower case, no "@"):
    #: the member holding that username is linked to this row when they join (``None`` once linked)
    discord_username: str | None = Field(default=None, max_length=40, index=True)
    status: PersonStatus = enum_field(PersonStatus, default=PersonStatus.JOINED, index=True)
    dms_closed: bool = Field(default=False)
    #: when the DMs were last found closed (a refused retry too); the DM is tried again a while after (see
    #: bot.services.dm_reach). None with ``dms_closed``: try the DM again at the next message
    dms_closed_at: datetime | None = ts_field()
    paused_until: datetime | None = ts_field()
    created_at: datetime = ts_field(default_now=True)
    updated_at: datetime = ts_field(default_now=True)


class Profile(SQLModel, table=True):
    """The answers a person gave, validated. One profile per person per programme."""

    __tablename__ = "profile"
    __table_args__ = (UniqueConstraint("person_id", "programme_id", name="uq_profile_person_programme"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    answers: dict[str, Any] = json_field()
    consent_at: datetime | None = ts_field()
    version: int = Field(default=1)
    created_at: datetime = ts_field(default_now=True)
    updated_at: datetime = ts_field(default_now=True)


class OnboardingSession(SQLModel, table=True):
    """The interview of one person in one programme: exactly one, whatever triggered it."""

    __tablename__ = "onboarding_session"
    __table_args__ = (UniqueConstraint("person_id", "programme_id", name="uq_onboarding_person_programme"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    status: OnboardingStatus = enum_field(OnboardingStatus, default=OnboardingStatus.IN_PROGRESS, index=True)
    state: dict[str, Any] = json_field()
    # where the conversation runs: a DM channel, or a private thread when DMs are closed
    channel_id: int | None = snowflake_field()
    in_thread: bool = Field(default=False)
    last_prompt_message_id: int | None = snowflake_field()
    step: int = Field(default=0)
    reminders_sent: int = Field(default=0)
    last_activity_at: datetime = ts_field(default_now=True, index=True)
    created_at: datetime = ts_field(default_now=True)
    completed_at: datetime | None = ts_field()
