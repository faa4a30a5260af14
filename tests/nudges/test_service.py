from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SandboxClock
from bot.config import parse_config
from bot.services.nudges import NudgeService, has_marker, marker
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory, create_engine, session_factory, transaction
from storage.models import Match
from storage.queries import matching, people
from storage.queries import nudges as nq
from tests.support.database import BACKEND, PG_URL
from tests.support.statements import StatementCount

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


async def _service(sessions: SessionFactory, clock: SandboxClock) -> tuple[NudgeService, Programme]:
    settings = parse_config({"programme": [{"key": "edu", "name": "Edu", "guild_id": 1}]})
    registry = ProgrammeRegistry(settings, sessions)
    await registry.load()
    return NudgeService(registry, sessions, clock), registry.all()[0]


async def _pairs(sessions: SessionFactory, programme: Programme, count: int, first: int = 0) -> list[int]:
    ids = []
    async with transaction(sessions) as s:
        for i in range(first, first + count):
            pids = []
            for role in ("mentor", "mentee"):
                p, _ = await people.get_or_create_person(session=s, programme_id=programme.id,
                                                         discord_user_id=1000 + 2 * i + (role == "mentee"),
                                                         display_name=f"{role} {i}", now=START)
                await people.upsert_profile(session=s, person_id=p.id or 0, programme_id=programme.id,
                                            answers={"timezone": "Europe/London"}, consent_at=START, now=START)
                pids.append(p.id or 0)
            m = await matching.add_match(session=s, match=Match(
                programme_id=programme.id, mentor_person_id=pids[0], mentee_person_id=pids[1], status="active",
                started_at=START))
            ids.append(m.id or 0)
    return ids


async def test_planning_twice_adds_nothing_the_second_time(sessions: SessionFactory) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    [match_id] = await _pairs(sessions, programme, 1)
    # each: day 3, day 14 and every 30 days up to 180 days ahead (no cohort end)
    assert await service.plan_match(match_id) == 2 * 8
    assert await service.plan_match(match_id) == 0


async def test_a_long_match_is_topped_up_past_the_horizon(sessions: SessionFactory) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    [match_id] = await _pairs(sessions, programme, 1)
    await service.plan_match(match_id)
    clock.advance(timedelta(days=100))
    cancelled, added = await service.replan_match(match_id)
    assert cancelled == 0 and added == 2 * 3  # monthly check-ins on days 210, 240 and 270
    async with sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=match_id)
    assert max(r.occurrence for r in rows if r.step_key == "monthly-checkin") == 9


async def test_a_person_back_from_a_pause_gets_their_nudges_again(sessions: SessionFactory) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    [match_id] = await _pairs(sessions, programme, 1)
    await service.plan_match(match_id)
    async with sessions() as s:
        match = await matching.get_match(session=s, match_id=match_id)
    assert match is not None
    async with transaction(sessions) as s:
        await people.set_person_status(session=s, person_id=match.mentee_person_id, status="paused", now=START)
    assert await service.cancel_for_person(match.mentee_person_id) == 8
    assert await service.plan_match(match_id) == 0  # still paused: nothing comes back
    async with transaction(sessions) as s:
        await people.set_person_status(session=s, person_id=match.mentee_person_id, status="active", now=START)
    assert await service.plan_match(match_id) == 8
    async with sessions() as s:
        rows = await nq.nudges_of_match(session=s, match_id=match_id)
    assert [r.status for r in rows] == ["pending"] * 16


async def test_claims_respect_the_limit_and_never_overlap(sessions: SessionFactory) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    for match_id in await _pairs(sessions, programme, 10):
        await service.plan_match(match_id)
    clock.advance(timedelta(days=3, hours=1))
    first = await service.claim("a", limit=4)
    second = await service.claim("b", limit=100)
    assert len(first) == 4 and len(second) == 16
    assert not {n.id for n in first} & {n.id for n in second}
    assert await service.claim("c") == []


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent claims from two engines need PostgreSQL")
async def test_two_processes_claiming_at_once_share_the_due_nudges(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    for match_id in await _pairs(sessions, programme, 30):
        await service.plan_match(match_id)
    clock.advance(timedelta(days=3, hours=1))
    async with engine.connect() as conn:
        current = (await conn.exec_driver_sql("SHOW search_path")).scalar_one()
    other_engine = create_engine(PG_URL, schema=str(current).strip('"'))
    try:
        other = NudgeService(service._registry, session_factory(other_engine), clock)  # noqa: SLF001
        results = await asyncio.gather(*(svc.claim(name, limit=7) for _ in range(6)
                                         for name, svc in (("a", service), ("b", other))))
        ids = [n.id for batch in results for n in batch]
        assert len(ids) == 60 and len(set(ids)) == 60
        assert all(len(batch) <= 7 for batch in results)
    finally:
        await other_engine.dispose()


def test_the_marker_is_found_only_for_its_own_nudge() -> None:
    text = f"Hi!\n-# {marker(12)}"
    assert has_marker(text, 12) and not has_marker(text, 1) and not has_marker(text, 123)


async def _answer_latest_check_in(engine: AsyncEngine, service: NudgeService, clock: SandboxClock,
                                  match_id: int) -> StatementCount:
    """Send every due nudge, then count the statements of the mentor's "we've met" on their latest check-in."""
    sessions = session_factory(engine)
    async with transaction(sessions) as s:
        for nudge in await service.claim("w", limit=10_000):
            await nq.mark_sent(session=s, nudge_id=nudge.id or 0, now=clock.now(), channel_id=1, message_id=1)
    async with sessions() as s:
        match = await matching.get_match(session=s, match_id=match_id)
        assert match is not None
        mentor = await people.get_person(session=s, person_id=match.mentor_person_id)
        sent = [n for n in await nq.nudges_of_match(session=s, match_id=match_id)
                if n.status == "sent" and n.person_id == match.mentor_person_id]
    assert mentor is not None and mentor.discord_user_id is not None
    with StatementCount(engine) as counted:
        result = await service.answers.answer(sent[-1].id or 0, "met", mentor.discord_user_id)
    assert result.status == "recorded"
    return counted


async def test_people_answering_check_ins_at_the_same_moment_share_their_commits_on_sqlite(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    match_ids = await _pairs(sessions, programme, 12)
    for match_id in match_ids:
        await service.plan_match(match_id)
    clock.advance(timedelta(days=4))
    async with transaction(sessions) as s:
        for nudge in await service.claim("w", limit=10_000):
            await nq.mark_sent(session=s, nudge_id=nudge.id or 0, now=clock.now(), channel_id=1, message_id=1)
    clicks = []
    async with sessions() as s:
        for match_id in match_ids:
            match = await matching.get_match(session=s, match_id=match_id)
            assert match is not None
            mentor = await people.get_person(session=s, person_id=match.mentor_person_id)
            [sent] = [n for n in await nq.nudges_of_match(session=s, match_id=match_id)
                      if n.status == "sent" and n.person_id == match.mentor_person_id]
            assert mentor is not None and mentor.discord_user_id is not None
            clicks.append((sent.id or 0, mentor.discord_user_id))
    with StatementCount(engine) as counted:
        results = await asyncio.gather(*(service.answers.answer(nudge_id, "met", user) for nudge_id, user in clicks))
    assert [r.status for r in results] == ["recorded"] * 12
    async with sessions() as s:
        stored = [await nq.get_nudge(session=s, nudge_id=n) for n, _ in clicks]
    assert [n.answer if n is not None else None for n in stored] == ["met"] * 12
    assert len(counted.statements) == 24, str(counted)
    assert counted.commits == (1 if BACKEND == "sqlite" else 12), str(counted)


async def test_one_check_in_answer_costs_a_few_statements_however_long_the_match_and_big_the_programme(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    clock = SandboxClock(START)
    service, programme = await _service(sessions, clock)
    [first] = await _pairs(sessions, programme, 1)
    await service.plan_match(first)
    clock.advance(timedelta(days=4))  # one check-in each behind them
    small = await _answer_latest_check_in(engine, service, clock, first)
    later = await _pairs(sessions, programme, 5, first=1)
    for match_id in later:
        await service.plan_match(match_id)
    clock.advance(timedelta(days=150))  # six pairs, each with five check-ins each behind them
    big = await _answer_latest_check_in(engine, service, clock, later[0])
    assert len(big.statements) == len(small.statements), "\n".join(big.statements)
    assert len(big.statements) <= 2 and big.commits == 1, str(big)
