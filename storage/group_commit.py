"""Group commit: the short writes of people answering at the same moment share one transaction.

On SQLite one connection writes at a time and every commit waits for the disk, so a thousand people answering at
once are a thousand commits one after another. Here a caller's write (:meth:`GroupCommit.run`) joins the writes
waiting at that moment; they run one after another in one transaction, as they would have in their own, and
every caller resumes once that transaction is committed. Nothing is acknowledged earlier than before: a caller
whose write returned has it stored.

When one of them fails (or the commit does), the transaction is rolled back and each write of it runs again in
its own transaction, so only the failing one fails — the writes must be safe to run again after a rollback
(guarded updates are). Each write sees the session empty of the others' objects.

PostgreSQL commits many connections' transactions in parallel (and flushes its log for them together), so there
each write keeps its own transaction, exactly as before; only SQLite's writes are grouped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")
Write = Callable[[AsyncSession], Awaitable[Any]]

#: writes in one transaction at most (a burst's are taken in turns of this many)
MOST = 100


class GroupCommit:
    def __init__(self, sessions: SessionFactory, *, enabled: bool | None = None, most: int = MOST) -> None:
        """``enabled``: group the writes (default: when the sessions' database is SQLite)."""
        self._sessions = sessions
        if enabled is None:
            bind = sessions.kw.get("bind")
            enabled = bind is not None and bind.dialect.name == "sqlite"
        self.enabled = enabled
        self._most = most
        self._waiting: deque[tuple[Write, asyncio.Future[Any]]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.commits = 0  # transactions committed by the writer (for tests and the bench)

    async def run(self, write: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``write`` in a transaction; return its result once that transaction is committed."""
        if not self.enabled:
            async with transaction(self._sessions) as session:
                return await write(session)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._waiting.append((write, done))
        if self._writer is not None and self._writer.get_loop() is not loop:  # an earlier event loop's (closed)
            self._writer = None
            self._waiting = deque(item for item in self._waiting if item[1].get_loop() is loop)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="group-commit")
        return await done

    async def _write_all(self) -> None:
        batch: list[tuple[Write, asyncio.Future[Any]]] = []
        try:
            while self._waiting:
                batch = [self._waiting.popleft() for _ in range(min(self._most, len(self._waiting)))]
                batch = [(write, done) for write, done in batch if not done.done()]  # (a caller gone: not run)
                if batch:
                    await self._write(batch)
                batch = []
        except BaseException:
            for _, done in [*batch, *self._waiting]:  # stopped (the bot shutting down): no caller waits forever
                done.cancel()
            self._waiting.clear()
            raise

    async def _write(self, batch: list[tuple[Write, asyncio.Future[Any]]]) -> None:
        results: list[Any] = []
        try:
            async with transaction(self._sessions) as session:
                for write, _ in batch:
                    results.append(await write(session))
                    await session.flush()  # what it added, written before the session is emptied for the next
                    session.expunge_all()
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc=exc)
                return
            log.info("a grouped write failed (%s): each of the %d runs again on its own", type(exc).__name__,
                     len(batch))
            for write, done in batch:
                try:
                    async with transaction(self._sessions) as session:
                        result = await write(session)
                except Exception as one:
                    _settle(done, exc=one)
                else:
                    self.commits += 1
                    _settle(done, result)
            return
        self.commits += 1
        for (_, done), result in zip(batch, results, strict=True):
            _settle(done, result)


def _settle(done: asyncio.Future[Any], result: Any = None, *, exc: BaseException | None = None) -> None:
    if done.done():
        return
    if exc is not None:
        done.set_exception(exc)
    else:
        done.set_result(result)
