"""Duplicates that would be bugs are refused by the database itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import SessionFactory, transaction
from storage.models import Lead, Match, Nudge, Person, Profile, Programme, SocialPost

pytestmark = pytest.mark.storage
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def _programme_and_people(sessions: SessionFactory) -> tuple[int, int, int]:
    async with transaction(sessions) as s:
        prog = Programme(key="edu", name="Edu", guild_id=1)
        s.add(prog)
        await s.flush()
        a = Person(programme_id=prog.id, discord_user_id=100, display_name="A")
        b = Person(programme_id=prog.id, discord_user_id=200, display_name="B")
        s.add_all([a, b])
        await s.flush()
        assert prog.id and a.id and b.id
        return prog.id, a.id, b.id


async def _insert_twice(sessions: SessionFactory, make: object) -> None:
    async with transaction(sessions) as s:
        s.add(make())  # type: ignore[operator]
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as s:
            s.add(make())  # type: ignore[operator]


async def test_one_post_id_per_platform(sessions: SessionFactory) -> None:
    prog, _, _ = await _programme_and_people(sessions)
    await _insert_twice(sessions, lambda: SocialPost(programme_id=prog, platform="x", post_id="42", author_id="7"))


async def test_one_profile_per_person_per_programme(sessions: SessionFactory) -> None:
    prog, a, _ = await _programme_and_people(sessions)
    await _insert_twice(sessions, lambda: Profile(person_id=a, programme_id=prog, answers={"role": "mentee"}))


async def test_one_lead_per_author_per_programme(sessions: SessionFactory) -> None:
    prog, _, _ = await _programme_and_people(sessions)
    codes = iter(["EDU-AAAA", "EDU-BBBB"])
    await _insert_twice(
        sessions,
        lambda: Lead(programme_id=prog, platform="x", author_id="7", first_post_id="1", claim_code=next(codes)),
    )


async def test_one_nudge_per_match_kind_and_due_time(sessions: SessionFactory) -> None:
    prog, a, b = await _programme_and_people(sessions)
    async with transaction(sessions) as s:
        m = Match(programme_id=prog, mentor_person_id=a, mentee_person_id=b, status="active")
        s.add(m)
        await s.flush()
        match_id = m.id
    due = NOW + timedelta(days=3)
    await _insert_twice(
        sessions, lambda: Nudge(programme_id=prog, match_id=match_id, person_id=a, kind="checkin", due_at=due)
    )


async def test_a_mentee_has_one_active_match_at_a_time(sessions: SessionFactory) -> None:
    prog, a, b = await _programme_and_people(sessions)
    await _insert_twice(
        sessions, lambda: Match(programme_id=prog, mentor_person_id=a, mentee_person_id=b, status="active")
    )
    async with transaction(sessions) as s:  # an ended match does not block a new one
        s.add(Match(programme_id=prog, mentor_person_id=a, mentee_person_id=b, status="ended"))


async def test_one_person_row_per_discord_user_per_programme(sessions: SessionFactory) -> None:
    prog, _, _ = await _programme_and_people(sessions)
    await _insert_twice(sessions, lambda: Person(programme_id=prog, discord_user_id=999))


async def test_naive_datetimes_are_refused(sessions: SessionFactory) -> None:
    prog, _, _ = await _programme_and_people(sessions)
    with pytest.raises(Exception, match="naive datetime"):
        async with transaction(sessions) as s:
            s.add(Nudge(programme_id=prog, kind="digest", due_at=datetime(2026, 1, 1)))  # noqa: DTZ001
