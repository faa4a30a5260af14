"""What one interview step costs the database: the statements and commits of the service calls a cog makes for
one answer (a click: ``act`` then ``asked``; a typed DM: ``heard_in_dms``, ``find_open``, ``act``, ``asked``).
With a thousand people answering at once these are what each answer waits for (SQLite runs one writer at a
time), so a step that starts reading more, or writing in more transactions, fails here."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SandboxClock
from bot.config import parse_config
from bot.onboarding.flow import AskQuestion
from bot.services.onboarding import Conversation, OnboardingService
from bot.services.people import PeopleService
from bot.services.programmes import Programme, ProgrammeRegistry
from storage.db import SessionFactory
from storage.queries import onboarding, people
from tests.support.database import BACKEND
from tests.support.statements import StatementCount

START = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
ADA = 4242


async def _programmes(sessions: SessionFactory, count: int = 1) -> list[Programme]:
    settings = parse_config({"programme": [{"key": f"p{i}", "name": f"Programme {i}", "guild_id": 1}
                                           for i in range(count)]})
    registry = ProgrammeRegistry(settings, sessions)
    await registry.load()
    return registry.all()


def _service(sessions: SessionFactory, programmes: list[Programme]) -> OnboardingService:
    """A bot process's onboarding service (a new one: a restarted process)."""
    settings = parse_config({"programme": [{"key": p.key, "name": p.config.name, "guild_id": 1} for p in programmes]})
    registry = ProgrammeRegistry(settings, sessions)
    registry._by_key = {p.key: p for p in programmes}  # noqa: SLF001  (loaded once, shared by the "processes")
    return OnboardingService(registry, sessions, SandboxClock(START))


def _asks(conv: Conversation | None, key: str) -> None:
    assert conv is not None and isinstance(conv.step, AskQuestion), conv
    assert conv.step.question.key == key


async def test_a_clicked_answer_costs_one_write_for_the_answer_and_one_for_the_question_shown(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    [programme] = await _programmes(sessions)
    service = _service(sessions, [programme])
    conv = await service.begin(programme, ADA, "Ada")
    await service.asked(conv.session_id, 100)
    for n, (key, value, then) in enumerate([("role", "mentor", "phase"), ("phase", ["primary"], "subjects")]):
        with StatementCount(engine) as counted:  # the first answer after the welcome, and the next
            _asks(await service.act(programme, ADA, "answer", raw=value, key=key), then)
            await service.asked(conv.session_id, 101 + n)
        assert len(counted.statements) == 2 and counted.commits == 2, str(counted)
        assert all(s.lstrip().upper().startswith("UPDATE") for s in counted.statements), str(counted)


async def test_people_answering_at_the_same_moment_share_their_commits_on_sqlite(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    """SQLite commits one transaction at a time, each waiting for the disk: twenty people answering at once
    are two commits (their answers, then the questions shown), not forty. PostgreSQL commits in parallel."""
    [programme] = await _programmes(sessions)
    service = _service(sessions, [programme])
    people_ids = range(1000, 1020)
    for user in people_ids:
        await service.begin(programme, user, f"Person {user}")
        _asks(await service.act(programme, user, "answer", raw="mentee", key="role"), "phase")
    with StatementCount(engine) as counted:
        answered = await asyncio.gather(*(service.act(programme, user, "answer", raw=["primary"], key="phase")
                                          for user in people_ids))
        for conv in answered:
            _asks(conv, "subjects")
        await asyncio.gather(*(service.asked(conv.session_id, 500 + n)
                               for n, conv in enumerate(answered) if conv is not None))
    assert len(counted.statements) == 40, str(counted)
    assert counted.commits == (2 if BACKEND == "sqlite" else 40), str(counted)


async def test_after_a_restart_the_first_answer_reads_the_interview_once(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    [programme] = await _programmes(sessions)
    before = _service(sessions, [programme])
    await before.begin(programme, ADA, "Ada")
    _asks(await before.act(programme, ADA, "answer", raw="mentor", key="role"), "phase")
    after = _service(sessions, [programme])  # the process restarted
    with StatementCount(engine) as counted:
        answered = await after.act(programme, ADA, "answer", raw=["primary"], key="phase")
        _asks(answered, "subjects")
        assert answered is not None
        await after.asked(answered.session_id, 102)
    assert len(counted.statements) == 3 and counted.commits == 2, str(counted)


async def test_a_typed_answer_finds_its_interview_in_one_read_however_many_programmes_the_bot_runs(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    programmes = await _programmes(sessions, 3)
    for programme in programmes:  # Ada is being interviewed by all three, in one DM channel
        conv = await _service(sessions, programmes).begin(programme, ADA, "Ada")
        await _service(sessions, programmes).set_channel(conv.session_id, 77, in_thread=False,
                                                         prompt_message_id=100 + programme.id)
    service = _service(sessions, programmes)  # a restarted process: nothing known in memory
    people_service = PeopleService(sessions, SandboxClock(START))
    with StatementCount(engine) as counted:
        await people_service.heard_in_dms(ADA)
        found = await service.find_open(ADA, 77)
        assert found is not None and found.shared
        assert found.programme == programmes[-1]  # its question was asked last, right above
        answered = await service.act(found.programme, ADA, "answer", raw="mentee")
        _asks(answered, "phase")
        assert answered is not None
        await service.asked(answered.session_id, 200)
    assert len(counted.statements) == 4 and counted.commits == 2, str(counted)


async def test_an_answer_given_through_another_process_is_never_overwritten_from_memory(
    sessions: SessionFactory
) -> None:
    """Two bot processes (or a process and a restarted one): each remembers the interview as it last wrote
    it, and the other's answers in between are read, not lost."""
    [programme] = await _programmes(sessions)
    first, second = _service(sessions, [programme]), _service(sessions, [programme])
    await first.begin(programme, ADA, "Ada")
    _asks(await first.act(programme, ADA, "answer", raw="mentor", key="role"), "phase")
    _asks(await second.act(programme, ADA, "answer", raw=["primary"], key="phase"), "subjects")
    stale = await first.act(programme, ADA, "answer", raw=["primary"], key="phase")  # an old click, in the first
    assert stale is not None and not isinstance(stale.step, AskQuestion), stale.step
    _asks(await first.act(programme, ADA, "answer", raw=["maths"], key="subjects"), "stage")
    async with sessions() as s:
        person = await people.get_person_by_discord(session=s, programme_id=programme.id, discord_user_id=ADA)
        assert person is not None and person.id is not None
        row = await onboarding.get_session(session=s, person_id=person.id, programme_id=programme.id)
    assert row is not None
    assert row.state["answers"] == {"role": "mentor", "phase": ["primary"], "subjects": ["maths"]}
    assert row.step == 3
