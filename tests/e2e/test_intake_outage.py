"""A database outage during an X poll: the poll is tried again as soon as the database answers, not an interval
later (X's search reaches back 7 days only: a poller that keeps missing its turns loses posts)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.sandbox.world import SandboxWorld
from storage.models import Lead

pytestmark = pytest.mark.e2e


class Outage:
    """The database refuses every statement that reads the poll cursor for ``seconds`` from the first one (counted
    from then, not from the outage's start: on a loaded machine the poll may reach the cursor only later)."""

    def __init__(self, world: SandboxWorld, seconds: float) -> None:
        assert world.engine is not None
        self.engine = world.engine.sync_engine
        self.seconds = seconds
        self.heal_at: float | None = None
        self.refused = 0

    def __enter__(self) -> Outage:
        event.listen(self.engine, "before_cursor_execute", self._refuse)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)

    def _refuse(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "poll_cursor" not in statement:
            return
        if self.heal_at is None:
            self.heal_at = time.monotonic() + self.seconds
        if time.monotonic() < self.heal_at:
            self.refused += 1
            raise OperationalError(statement, None, ConnectionRefusedError(111, "the database is restarting"))


async def test_an_x_poll_that_meets_a_database_outage_records_the_post_when_the_database_is_back(
    world: SandboxWorld,
) -> None:
    text = f"Looking for a mentor in maths #EduMentoring @{world.x.bot_account.username}"
    post_id = world.x.add_post(text, "teacher1", "Teacher 1")
    started = time.monotonic()
    with Outage(world, seconds=0.5) as outage:
        await world.bot.tick("poll-x-edu")  # the periodic job, as APScheduler runs it
    assert outage.refused >= 1, "the outage never touched the poll"
    assert time.monotonic() - started < 30, "the poll waited for its next interval"
    async with world.bot.sessions() as s:
        lead = (await s.exec(select(Lead).where(Lead.first_post_id == post_id))).first()
    assert lead is not None and lead.first_post_id == post_id, "the post made during the outage was never recorded"
    assert [r.ref("replied_to") for r in world.x.replies] == [post_id], "the post got no invite (or two)"
