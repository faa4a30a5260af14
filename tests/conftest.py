"""Shared fixtures: a fresh database per test on the backend under test.

``MENTORBOT_TEST_BACKEND=sqlite`` (default) uses a new SQLite file per test; ``postgresql`` uses
``TEST_DATABASE_URL`` with a new schema per test, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox.discord.spec import TALLY
from storage.db import SessionFactory, session_factory
from tests.support.database import (
    BACKEND,
    PG_URL,
    drop_pooled_schemas,
    drop_test_schema,
    make_test_engine,
    reuse_schemas,
)

warnings.filterwarnings("ignore", message=".*audioop.*", category=DeprecationWarning)


def pytest_report_header() -> str:
    return f"mentorbot test backend: {BACKEND}"


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected: the order is of the tests that run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "postgresql" and not PG_URL:
        skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
        for item in items:
            item.add_marker(skip)
    items[:] = spread_long_tests(items, getattr(config, "workerinput", {}).get("workercount", 1))


def _skipped(item: pytest.Item) -> bool:
    return any(m.args and m.args[0] is True for m in item.iter_markers("skipif"))


def spread_long_tests(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The long tests (reliability, then slow) first, dealt out among the test processes in turn.

    pytest-xdist's worksteal gives each process a contiguous share of this list (the first half and the second,
    with two) and a process that runs out takes tests from the end of another's share. Each share starts with
    its turn of the long tests: they run beside each other and the short ones fill in around them, instead of
    every long test queueing in one process (the whole reliability suite was one process's first four minutes
    on PostgreSQL) or one starting last and running alone. The same order in every process."""
    def rank(item: pytest.Item) -> int:
        if _skipped(item):
            return 2
        return 0 if item.get_closest_marker("reliability") else 1 if item.get_closest_marker("slow") else 2

    ordered = sorted(items, key=rank)  # stable: collection order within each rank
    long = [item for item in ordered if rank(item) < 2]
    rest = iter(item for item in ordered if rank(item) == 2)
    if workers < 2:
        return ordered
    shares: list[list[pytest.Item]] = [long[k::workers] for k in range(workers)]
    out: list[pytest.Item] = []
    left = len(items)
    for k, share in enumerate(shares):
        size = left // (workers - k)  # as the scheduler cuts the list
        share += [item for _, item in zip(range(size - len(share)), rest, strict=False)]
        out += share
        left -= len(share)
    return out + list(rest)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # the reliability suite's bot processes may outlive a test: its schemas are never reused
    reuse_schemas(item.get_closest_marker("reliability") is None)


_ON_PURPOSE: list[object] = []  # findings of the tests marked breaks_discord_spec


@pytest.fixture(autouse=True)
def discord_conformance(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every exchange with a local Discord during a test must be as Discord's OpenAPI document says: no route
    outside it, no request or response breaking its schemas, no undeclared status. A test that breaks the
    specification on purpose (to see the sandbox refuse it) is marked ``breaks_discord_spec``."""
    start = len(TALLY.findings)
    yield
    if request.node.get_closest_marker("breaks_discord_spec") is not None:
        _ON_PURPOSE.extend(TALLY.findings[start:])
        return
    found = TALLY.findings[start:]
    if found:
        listing = "\n".join(f"  {f}" for f in found[:20])
        more = f"\n  … and {len(found) - 20} more" if len(found) > 20 else ""
        pytest.fail(f"{len(found)} exchange(s) with the local Discord differ from Discord's OpenAPI document:\n"
                    f"{listing}{more}", pytrace=False)


_FINDING_KINDS = ("unmatched", "request", "response", "status")
_WORKER_TALLIES: list[dict[str, Any]] = []  # under pytest-xdist: each worker's conformance tally


def _tally() -> dict[str, Any]:
    kept = [f for f in TALLY.findings if not any(f is p for p in _ON_PURPOSE)]
    return {"exchanges": TALLY.exchanges, "routes": sorted(list(r) for r in TALLY.routes),
            "on_purpose": len(_ON_PURPOSE), **{k: sum(1 for f in kept if f.kind == k) for k in _FINDING_KINDS}}


def pytest_sessionfinish(session: pytest.Session) -> None:
    if BACKEND == "postgresql" and PG_URL:
        asyncio.run(drop_pooled_schemas())
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: its tally goes to the controller
        workeroutput["discord_tally"] = _tally()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    tally = getattr(node, "workeroutput", {}).get("discord_tally")
    if tally:
        _WORKER_TALLIES.append(tally)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tallies = [_tally(), *_WORKER_TALLIES]
    exchanges = sum(t["exchanges"] for t in tallies)
    if exchanges:
        routes = {tuple(r) for t in tallies for r in t["routes"]}
        c = {kind: sum(t[kind] for t in tallies) for kind in _FINDING_KINDS}
        terminalreporter.write_line(
            f"Discord conformance: {exchanges} exchanges on {len(routes)} routes checked against the "
            f"OpenAPI document: {c['unmatched']} unmatched routes, {c['request']} request violations, "
            f"{c['response']} response violations, {c['status']} undeclared statuses "
            f"(+{sum(t['on_purpose'] for t in tallies)} refused on purpose in tests marked breaks_discord_spec)"
        )
    stats = terminalreporter.stats
    passed = len([r for r in stats.get("passed", []) if getattr(r, "when", "call") == "call"])
    failed = len(stats.get("failed", []))
    skipped = len(stats.get("skipped", []))
    terminalreporter.write_line(
        f"backend {BACKEND}: {passed} tests passed, {failed} failed, {skipped} skipped on {BACKEND}"
    )


@pytest.fixture
async def engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    eng, schema = await make_test_engine(tmp_path_factory)
    try:
        yield eng
    finally:
        await eng.dispose()
        await drop_test_schema(schema)


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    return session_factory(engine)
