"""The organisers' people table in the database: filters, sort order, pages and the total, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.db import SessionFactory, transaction
from storage.queries import programmes
from storage.queries.directory import DirectoryFilter, directory_page
from tests.support.organisers import MENTEE, MENTOR, bulk_people

pytestmark = pytest.mark.storage
NOW = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


async def _programme(sessions: SessionFactory) -> int:
    async with transaction(sessions) as s:
        prog = await programmes.ensure_programme(session=s, key="edu", name="Edu", guild_id=42)
    return prog.id or 0


async def test_pages_cover_everyone_once_in_order_with_the_total(sessions: SessionFactory) -> None:
    pid = await _programme(sessions)
    names = [f"Person {i:03d}" for i in range(120)]
    await bulk_people(sessions, pid, [(n, 10**15 + i, MENTOR if i % 4 == 0 else MENTEE) for i, n in enumerate(names)],
                      now=NOW)
    seen: list[str] = []
    async with sessions() as s:
        for page in range(3):
            rows, total = await directory_page(session=s, programme_id=pid, filters=DirectoryFilter(),
                                               offset=page * 50, limit=50)
            assert total == 120
            seen += [r.name for r in rows]
        rows, total = await directory_page(session=s, programme_id=pid, filters=DirectoryFilter(), sort="name",
                                           descending=True, limit=3)
        assert [r.name for r in rows] == ["Person 119", "Person 118", "Person 117"]
        past, total = await directory_page(session=s, programme_id=pid, filters=DirectoryFilter(), offset=500)
        assert past == [] and total == 120
    assert seen == sorted(names)


async def test_search_role_and_status_filters_narrow_the_table(sessions: SessionFactory) -> None:
    pid = await _programme(sessions)
    await bulk_people(sessions, pid, [("Ada Okafor", 1001, MENTOR), ("Ben 100%_sure", 1002, MENTEE),
                                      ("Cy okafor-Smith", 1003, MENTEE)], now=NOW)
    await bulk_people(sessions, pid, [("Dee Paused", 1004, MENTOR)], now=NOW, status="paused")
    async with sessions() as s:
        async def names(**f: object) -> tuple[list[str], int]:
            rows, total = await directory_page(session=s, programme_id=pid, filters=DirectoryFilter(**f))  # type: ignore[arg-type]
            return [r.name for r in rows], total

        assert await names(search="OKAFOR") == (["Ada Okafor", "Cy okafor-Smith"], 2)
        assert await names(search="100%_") == (["Ben 100%_sure"], 1)  # LIKE's wildcards are plain text
        assert await names(search="0%") == (["Ben 100%_sure"], 1)
        assert await names(role="mentor") == (["Ada Okafor", "Dee Paused"], 2)
        assert await names(role="mentor", status="active") == (["Ada Okafor"], 1)
        rows, _ = await directory_page(session=s, programme_id=pid, filters=DirectoryFilter(search="Dee"))
        assert rows[0].role == "mentor" and rows[0].status == "paused" and rows[0].active_matches == 0
