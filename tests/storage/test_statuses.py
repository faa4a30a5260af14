"""Statuses are enums in Python and the same plain strings in the database (rows written before the enums read
back unchanged, no migration); a status no table knows is refused; a row without an id is an error, not 0."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from storage.db import SessionFactory, transaction
from storage.ids import MissingIdError, require_id
from storage.models import Person, PersonStatus, Programme

pytestmark = pytest.mark.storage


async def test_a_status_is_stored_as_its_plain_string_and_read_back_as_the_enum(sessions: SessionFactory) -> None:
    async with transaction(sessions) as s:
        prog = Programme(key="edu", name="Edu", guild_id=1)
        s.add(prog)
        await s.flush()
        person = Person(programme_id=require_id(prog), discord_user_id=100, display_name="A",
                        status=PersonStatus.PAUSED)
        s.add(person)
        await s.flush()
        pid = require_id(person)
    async with sessions() as s:
        stored = (await s.exec(text("SELECT status FROM person WHERE id = :id").bindparams(id=pid))).one()[0]
        assert stored == "paused" and type(stored) is str
        # a row written as plain text (as every row before the enums was) reads back as the member
        await s.exec(text("UPDATE person SET status = 'left' WHERE id = :id").bindparams(id=pid))
        await s.commit()
    async with sessions() as s:
        row = await s.get(Person, pid)
        assert row is not None and row.status is PersonStatus.LEFT


async def test_a_status_no_table_knows_is_refused(sessions: SessionFactory) -> None:
    with pytest.raises(StatementError, match="'sleeping' is not a valid PersonStatus"):
        async with transaction(sessions) as s:
            prog = Programme(key="edu", name="Edu", guild_id=1)
            s.add(prog)
            await s.flush()
            s.add(Person(programme_id=require_id(prog), discord_user_id=100, status="sleeping"))  # type: ignore[arg-type]
            await s.flush()


def test_a_row_never_flushed_has_no_id_and_says_so() -> None:
    with pytest.raises(MissingIdError, match="Person has no id yet"):
        require_id(Person(programme_id=1, discord_user_id=100))
