"""Counting what the database is asked while a block runs: the statements, and the transactions committed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class StatementCount:
    """Counts the statements the database runs, and the commits, while it is open."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.statements: list[str] = []
        self.commits = 0

    def __enter__(self) -> StatementCount:
        event.listen(self.engine, "before_cursor_execute", self._count)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)
        event.remove(self.engine, "commit", self._commit)

    def _count(self, conn: object, cursor: object, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def _commit(self, conn: object) -> None:
        self.commits += 1

    def __str__(self) -> str:
        return f"{self.commits} commit(s) of:\n" + "\n".join(" ".join(s.split())[:160] for s in self.statements)
