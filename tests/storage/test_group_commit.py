"""Group commit: writes of people acting at the same moment share a transaction, and still each is stored once
it returns, or not at all when it fails, whatever the others did."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import SessionFactory, transaction
from storage.group_commit import GroupCommit
from storage.models import Person
from storage.queries import people, programmes
from tests.support.statements import StatementCount

pytestmark = pytest.mark.storage
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def _programme(sessions: SessionFactory) -> int:
    async with transaction(sessions) as s:
        prog = await programmes.ensure_programme(session=s, key="edu", name="Edu", guild_id=1)
        return prog.id or 0


def _join(programme_id: int, user: int, *, then_fail: bool = False):  # type: ignore[no-untyped-def]
    async def write(session: AsyncSession) -> int:
        person, _ = await people.get_or_create_person(session=session, programme_id=programme_id,
                                                      discord_user_id=user, display_name=f"P{user}", now=NOW)
        if then_fail:
            raise ValueError("this one breaks after writing")
        return person.id or 0
    return write


async def _stored(sessions: SessionFactory, programme_id: int) -> set[int]:
    async with sessions() as s:
        return {p.discord_user_id or 0 for p in await people.people_in_programme(session=s, programme_id=programme_id)}


async def test_writes_at_the_same_moment_share_one_commit_on_sqlite(engine: AsyncEngine,
                                                                     sessions: SessionFactory) -> None:
    programme_id = await _programme(sessions)
    writes = GroupCommit(sessions, enabled=True)
    with StatementCount(engine) as counted:
        ids = await asyncio.gather(*(writes.run(_join(programme_id, user)) for user in range(1, 31)))
    assert len(set(ids)) == 30
    assert await _stored(sessions, programme_id) == set(range(1, 31))
    assert counted.commits == writes.commits < 5, str(counted)


async def test_a_failing_write_fails_alone_and_leaves_nothing_while_the_others_are_stored(
    sessions: SessionFactory
) -> None:
    programme_id = await _programme(sessions)
    writes = GroupCommit(sessions, enabled=True)
    results = await asyncio.gather(*(writes.run(_join(programme_id, user, then_fail=user == 3))
                                     for user in range(1, 7)), return_exceptions=True)
    assert [isinstance(r, ValueError) for r in results] == [False, False, True, False, False, False]
    assert await _stored(sessions, programme_id) == {1, 2, 4, 5, 6}


async def test_a_write_that_adds_rows_without_flushing_them_has_them_stored(sessions: SessionFactory) -> None:
    programme_id = await _programme(sessions)
    writes = GroupCommit(sessions, enabled=True)

    def add(user: int):  # type: ignore[no-untyped-def]
        async def write(session: AsyncSession) -> None:
            session.add(Person(programme_id=programme_id, discord_user_id=user, display_name=f"P{user}",
                               created_at=NOW, updated_at=NOW))
        return write

    await asyncio.gather(*(writes.run(add(user)) for user in range(1, 5)))
    assert await _stored(sessions, programme_id) == {1, 2, 3, 4}


async def test_without_grouping_each_write_has_its_own_commit(engine: AsyncEngine, sessions: SessionFactory) -> None:
    programme_id = await _programme(sessions)
    writes = GroupCommit(sessions, enabled=False)
    with StatementCount(engine) as counted:
        await asyncio.gather(*(writes.run(_join(programme_id, user)) for user in range(1, 6)))
    assert counted.commits == 5 and await _stored(sessions, programme_id) == set(range(1, 6))
