"""Helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field

from storage.types import AwareDateTime, EnumText


def utc_now() -> datetime:
    """Default for created/updated columns (the domain passes the bot's clock time explicitly)."""
    return datetime.now(UTC)


def ts_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    """A timezone-aware timestamp column."""
    if default_now:
        return Field(
            default_factory=utc_now,
            sa_column=Column(AwareDateTime(), nullable=False, index=index),
        )
    return Field(default=None, sa_column=Column(AwareDateTime(), nullable=nullable, index=index))


def snowflake_field(*, nullable: bool = True, index: bool = False) -> Any:
    """A Discord id (64-bit)."""
    return Field(default=None, sa_column=Column(BigInteger(), nullable=nullable, index=index))


def json_field(*, default_factory: Any = dict) -> Any:
    """A JSON column (answers, state, details)."""
    return Field(default_factory=default_factory, sa_column=Column(JSON(), nullable=False))


def enum_field(
    enum: type[StrEnum], *, default: StrEnum | None = None, length: int = 20, index: bool = False,
    nullable: bool = False,
) -> Any:
    """A status or kind column: the enum's value in a ``VARCHAR(length)``, the member in Python (``nullable``:
    None until set)."""
    if default is None and not nullable:
        return Field(sa_type=EnumText(enum, length), index=index)
    return Field(default=default, sa_type=EnumText(enum, length), index=index)
