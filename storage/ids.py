"""Row ids: a row read from the database or flushed into it has its primary key; one without is a bug where it
is used (a row never added, or read before the flush), never a silent 0."""

from __future__ import annotations

from typing import Protocol


class MissingIdError(RuntimeError):
    """A row's id was needed before the database gave it one."""


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def require_id(row: HasId) -> int:
    """``row.id``; :class:`MissingIdError` when the row has none yet (add and flush it first)."""
    if row.id is None:
        raise MissingIdError(f"{type(row).__name__} has no id yet: add it to a session and flush first")
    return row.id
