"""``/programme stats``: an embed whose numbers match the database, and a PNG chart that decodes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import select

from bot.sandbox.world import SandboxWorld
from storage.db import transaction
from storage.models import Lead, Match, Nudge, OnboardingSession, Person, Profile
from tests.support.organisers import MENTEE, MENTOR, attachment_bytes, bulk_people, slash

pytestmark = pytest.mark.e2e


async def _seed(world: SandboxWorld) -> int:
    programme = world.bot.services.programmes.get("edu")
    assert programme is not None
    pid = programme.id
    now = world.clock.now()
    people = [("Mo Mentor", 9001, MENTOR), ("Meg Mentor", 9002, {**MENTOR, "capacity": 3}),
              ("Max Mentor", 9003, MENTOR), ("Ed Mentee", 9004, MENTEE), ("Eve Mentee", 9005, MENTEE),
              ("Eli Mentee", 9006, MENTEE), ("Ema Mentee", 9007, MENTEE), ("Nobody Yet", 9008, None),
              ("Stuck Sue", 9009, None), ("Imported Ian", None, MENTEE)]
    ids = await bulk_people(world.bot.sessions, pid, people, now=now - timedelta(days=20))
    mo, meg, _max, ed, eve, eli, ema, _nobody, sue, _ian = ids
    async with transaction(world.bot.sessions) as s:
        for i, handle in enumerate(("a", "b", "c")):
            s.add(Lead(programme_id=pid, platform="x", author_id=handle, author_handle=handle, first_post_id=str(i),
                       claim_code=f"EDU-{handle}"))
        s.add(OnboardingSession(person_id=sue, programme_id=pid, last_activity_at=now - timedelta(hours=72),
                                reminders_sent=2, created_at=now - timedelta(days=5)))
        met = Match(programme_id=pid, mentor_person_id=mo, mentee_person_id=ed, status="active",
                    started_at=now - timedelta(days=14))
        risky = Match(programme_id=pid, mentor_person_id=mo, mentee_person_id=eve, status="active",
                      started_at=now - timedelta(days=14))
        ended = Match(programme_id=pid, mentor_person_id=meg, mentee_person_id=eli, status="ended",
                      started_at=now - timedelta(days=30), ended_at=now - timedelta(days=2))
        proposed = Match(programme_id=pid, mentor_person_id=meg, mentee_person_id=ema, status="proposed")
        s.add_all([met, risky, ended, proposed])
        await s.flush()

        def nudge(match: Match, person: int, step: str, days_ago: int, answer: str | None) -> Nudge:
            sent = now - timedelta(days=days_ago)
            return Nudge(programme_id=pid, match_id=match.id, person_id=person, kind="checkin", step_key=step,
                         occurrence=1, due_at=sent, status="sent", sent_at=sent, answer=answer,
                         answered_at=sent + timedelta(hours=3) if answer else None)

        s.add_all([
            nudge(met, mo, "day3-met", 11, "met"), nudge(met, ed, "day3-met", 11, None),
            nudge(risky, mo, "day3-met", 11, None), nudge(risky, eve, "day3-met", 11, None),
            nudge(risky, mo, "week2-checkin", 1, None), nudge(risky, eve, "week2-checkin", 1, None),
            nudge(ended, meg, "day3-met", 27, "met"), nudge(ended, eli, "week2-checkin", 16, "not_yet"),
        ])
    return pid


async def _expected(world: SandboxWorld, pid: int) -> dict[str, int]:
    """The numbers, worked out from the rows by hand."""
    async with world.bot.sessions() as s:
        people = list(await s.exec(select(Person).where(Person.programme_id == pid)))
        profiles = list(await s.exec(select(Profile).where(Profile.programme_id == pid)))
        matches = list(await s.exec(select(Match).where(Match.programme_id == pid)))
        nudges = list(await s.exec(select(Nudge).where(Nudge.programme_id == pid)))
        leads = list(await s.exec(select(Lead).where(Lead.programme_id == pid)))
    with_profile = {p.person_id for p in profiles}
    confirmed = [m for m in matches if m.status in ("active", "ended")]
    met_ids = {n.match_id for n in nudges if n.answer == "met"}
    answers = {p.person_id: p.answers for p in profiles}
    by_id = {p.id: p for p in people}
    mentors = [p for p in people if p.status == "active" and answers.get(p.id or 0, {}).get("role") == "mentor"]
    total = sum(int(answers[p.id or 0].get("capacity") or 1) for p in mentors)
    used = sum(1 for m in matches if m.status == "active" and by_id[m.mentor_person_id] in mentors)
    checkins = [n for n in nudges if n.kind == "checkin" and n.status == "sent"]
    return {
        "Leads": len(leads),
        "Joined": sum(1 for p in people if p.discord_user_id is not None or p.id in with_profile),
        "Onboarded": len(profiles),
        "Matched": len({i for m in confirmed for i in (m.mentor_person_id, m.mentee_person_id)}),
        "Met": len({i for m in confirmed if m.id in met_ids for i in (m.mentor_person_id, m.mentee_person_id)}),
        "Active": len({i for m in matches if m.status == "active" for i in (m.mentor_person_id, m.mentee_person_id)}),
        "capacity_left": total - used,
        "sent": len(checkins),
        "answered": sum(1 for n in checkins if n.answer),
    }


async def test_stats_numbers_equal_the_database_and_the_chart_is_a_png(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    pid = await _seed(world)
    expected = await _expected(world, pid)
    assert expected["Met"] == 4 and expected["Active"] == 3  # the scenario is what we think it is

    result = await slash(world.organiser, world.guild, "programme", "stats")
    embed = result.messages[0].embeds[0]
    shown = dict(re.findall(r"^(\w+): (\d+)", embed["description"], re.M))
    assert {k: int(v) for k, v in shown.items()} == {k: expected[k] for k in
                                                     ("Leads", "Joined", "Onboarded", "Matched", "Met", "Active")}
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Pairs at risk: 1" in fields
    assert "Mo Mentor" in fields["Pairs at risk: 1"] or "<@9001>" in fields["Pairs at risk: 1"]
    assert "Stalled onboarding: 1" in fields and "<@9009>" in fields["Stalled onboarding: 1"]
    assert f"Mentor capacity left: {expected['capacity_left']}" in fields
    rate_field = next(v for k, v in fields.items() if k.startswith("Check-in answer rate"))
    assert sum(int(a) for a, _s in re.findall(r"(\d+)/(\d+) answered", rate_field)) == expected["answered"]
    assert sum(int(s) for _a, s in re.findall(r"(\d+)/(\d+) answered", rate_field)) == expected["sent"]
    assert "Day 3: have you met?: " in rate_field and "day3-met" not in rate_field  # steps by name, not key
    assert embed["image"]["url"] == "attachment://stats.png"

    image = Image.open(attachment_bytes(result, "stats.png"))
    image.load()
    assert image.format == "PNG" and image.size == (1200, 500)
