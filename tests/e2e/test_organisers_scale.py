"""With 5,000 profiles every organiser command is acknowledged within a second (Discord allows three)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Match, Nudge, OnboardingSession
from tests.support.organisers import MENTEE, MENTOR, attachment_text, bulk_people, timed_slash

pytestmark = pytest.mark.e2e
PEOPLE = 5_000
PAIRS = 1_500


async def _seed(world: SandboxWorld) -> None:
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    now = world.clock.now()
    rows: list[tuple[str, int | None, dict[str, Any] | None]] = [(f"Person {i}", 10_000_000 + i, MENTOR if i % 3 == 0 else MENTEE) for i in range(PEOPLE)]
    rows += [(f"Starter {i}", 20_000_000 + i, None) for i in range(300)]
    ids = await bulk_people(world.bot.sessions, programme.id, rows, now=now - timedelta(days=40))
    mentors, mentees = ids[0:PEOPLE:3], [i for k, i in enumerate(ids[:PEOPLE]) if k % 3]
    async with transaction(world.bot.sessions) as s:
        conn = await s.connection()
        await conn.execute(Match.__table__.insert(), [  # type: ignore[attr-defined]
            {"programme_id": programme.id, "mentor_person_id": mentors[k % len(mentors)],
             "mentee_person_id": mentees[k], "status": "active", "score": 50.0, "reasons": "", "created_at": now,
             "announce_state": "done", "started_at": now - timedelta(days=20)} for k in range(PAIRS)])
        match_ids = [r[0] for r in (await conn.execute(
            Match.__table__.select().with_only_columns(Match.__table__.c.id))).all()]  # type: ignore[attr-defined]
        await conn.execute(Nudge.__table__.insert(), [  # type: ignore[attr-defined]
            {"programme_id": programme.id, "match_id": mid, "person_id": None, "kind": "checkin",
             "step_key": step, "occurrence": 1, "due_at": now - timedelta(days=days), "status": "sent",
             "sent_at": now - timedelta(days=days), "attempts": 1, "answer": "met" if mid % 4 == 0 else None}
            for mid in match_ids for step, days in (("day3-met", 17), ("week2-checkin", 6))])
        await conn.execute(OnboardingSession.__table__.insert(), [  # type: ignore[attr-defined]
            {"person_id": pid, "programme_id": programme.id, "status": "in_progress", "state": {}, "step": 1,
             "in_thread": False, "reminders_sent": 2, "last_activity_at": now - timedelta(days=4),
             "created_at": now - timedelta(days=5)} for pid in ids[PEOPLE:]])


@pytest.mark.timeout(120)
async def test_every_organiser_command_acknowledges_within_a_second_with_5000_profiles(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    await _seed(world)
    member = world.person("Mara Member")
    await member.join(world.guild)
    org, guild = world.organiser, world.guild
    csv_text = ("id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous\n"
                "n1,New One,mentee,primary,maths,trainee,Europe/London,weekends,send,,,\n")
    calls: list[tuple[str, tuple[str, ...], dict[str, Any], tuple[str, str, bytes] | None]] = [
        ("programme", ("stats",), {}, None),
        ("programme", ("setup",), {}, None),
        ("onboarding", ("stalled",), {}, None),
        ("person", (), {"member": member}, None),
        ("organiser", ("pause",), {"member": member, "weeks": 2}, None),
        ("organiser", ("resume",), {"member": member}, None),
        ("export", (), {}, None),
        ("import", (), {}, ("file", "more.csv", csv_text.encode())),
        ("audit", (), {"page": 2}, None),
    ]
    timings = {}
    for name, path, options, file in calls:
        ack, result = await timed_slash(org, guild, name, *path, options=options, file=file)
        timings[" ".join((name, *path))] = round(ack, 3)
        assert result.content, f"/{name} {' '.join(path)} gave no answer"
        if name == "export":
            assert len(attachment_text(result, "edu-profiles.csv").splitlines()) == PEOPLE + 1
        if name == "programme" and path == ("stats",):
            assert "Onboarded: 5000" in result.content and "Active: 3000" in result.content
    slow = {k: v for k, v in timings.items() if v >= 1.0}
    assert not slow, f"acknowledged too late: {slow} (all: {timings})"
