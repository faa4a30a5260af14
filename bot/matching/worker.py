"""Run the solver in a worker process so the bot's event loop keeps answering while it solves."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import date

from bot.matching.config import MatchingConfig
from bot.matching.engine import match
from bot.matching.model import MatchResult, Person

_pool: ProcessPoolExecutor | None = None


def _default_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn: never fork a process that runs an event loop and threads
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def shutdown_worker() -> None:
    """Stop the shared worker process (at bot shutdown)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


async def solve_in_worker(
    people: Sequence[Person],
    config: MatchingConfig | None = None,
    *,
    reference_date: date,
    forced: Iterable[tuple[str, str]] = (),
    forbidden: Iterable[tuple[str, str]] = (),
    active_mentor_load: Mapping[str, int] | None = None,
    executor: Executor | None = None,
) -> MatchResult:
    """:func:`bot.matching.engine.match` in a worker process (a shared spawn pool unless ``executor``)."""
    call = functools.partial(
        match, list(people), config or MatchingConfig(), reference_date=reference_date, forced=list(forced),
        forbidden=list(forbidden), active_mentor_load=dict(active_mentor_load or {}),
    )
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor or _default_pool(), call)
