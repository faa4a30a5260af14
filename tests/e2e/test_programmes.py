"""Programmes as data, end to end: RunTogether's region-first matching and lighter check-ins with their own
nudge plan; Libraries Connected's four-nations eligibility, told kindly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.interview import run_interview
from bot.sandbox.world import SandboxWorld
from storage.queries import matching as mq
from storage.queries import nudges as nq
from tests.support.database import drop_test_schema
from tests.support.world import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
async def run_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, preset="runtogether")
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


@pytest.fixture
async def lib_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SandboxWorld]:
    w, schema = await make_world(tmp_path_factory, preset="libraries")
    try:
        yield w
    finally:
        await w.stop()
        await drop_test_schema(schema)


def runner(role: str, region: str, goals: list[str], experience: str, club: str) -> dict[str, Any]:
    out: dict[str, Any] = {"role": role, "experience": experience, "group_size": "10-25", "location": region,
                           "pace": ["steady"], "goals": goals, "timezone": "London", "availability": ["weekends"],
                           "organisation": club, "consent": True}
    if role == "mentor":
        out["capacity"] = 2
    return out


# Each mentor's offers fit the new leader of the *other* region best: only the region rule keeps them local.
RUNNERS = {
    "Nell (mentor, North East)": runner("mentor", "north-east", ["routes", "safety", "recruiting"], "coach", "Tyne"),
    "Sam (mentor, South West)": runner("mentor", "south-west", ["confidence", "inclusion", "motivation"], "coach",
                                       "Exe"),
    "Ned (new leader, North East)": runner("mentee", "north-east", ["confidence", "inclusion", "motivation"],
                                           "not-yet", "Wear"),
    "Sue (new leader, South West)": runner("mentee", "south-west", ["routes", "safety", "recruiting"], "not-yet",
                                           "Tamar"),
    "Eve (experienced, South West)": runner("experienced", "south-west", ["retention"], "coach", "Avon"),
}


async def onboard(world: SandboxWorld, people: dict[str, dict[str, Any]], confirm: bool = True) -> dict[str, Any]:
    assert world.guild is not None
    questions = world.bot.services.programmes.all()[0].questions
    logs: dict[str, Any] = {}
    for name, answers in people.items():
        persona = world.person(name)
        await persona.join(world.guild)
        logs[name] = (persona, await run_interview(persona, questions, answers, confirm=confirm, timeout=20))
    return logs


async def test_runtogether_matches_region_first_and_gives_experienced_leaders_check_ins(
        run_world: SandboxWorld) -> None:
    world = run_world
    people = await onboard(world, RUNNERS)
    ids = {name: persona.id for name, (persona, _log) in people.items()}
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    preview = await olu.slash("match", "preview", guild=guild)
    assert "Matching preview" in preview.content
    confirm = await olu.slash("match", "confirm", guild=guild)
    assert "pairs confirmed" in confirm.content
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        from storage.queries import people as pq

        persons = {p.id: p.discord_user_id for p in await pq.people_in_programme(session=s, programme_id=programme.id)}
        matches = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
        by_name = {v: k for k, v in ids.items()}
        made = {(by_name[persons[m.mentor_person_id]], by_name[persons[m.mentee_person_id]], m.kind) for m in matches}
        assert made == {
            ("Nell (mentor, North East)", "Ned (new leader, North East)", "mentoring"),
            ("Sam (mentor, South West)", "Sue (new leader, South West)", "mentoring"),
            ("Sam (mentor, South West)", "Eve (experienced, South West)", "check-in"),
        }
        checkin = next(m for m in matches if m.kind == "check-in")
        assert "both South West" in checkin.reasons
    await world.bot.tick("announce-pairs")
    async with world.bot.sessions() as s:
        planned = await nq.nudges_of_match(session=s, match_id=checkin.id or 0)
        mentoring = await nq.nudges_of_match(session=s, match_id=next(m for m in matches if m.kind == "mentoring").id
                                             or 0)
    assert planned and {n.step_key for n in planned} <= {"checkin-hello", "checkin-light"}
    assert "day3-met" in {n.step_key for n in mentoring}


async def test_libraries_leader_outside_the_four_nations_is_told_kindly_and_not_matched(
        lib_world: SandboxWorld) -> None:
    world = lib_world
    isla = {"role": "mentee", "level": "head-of-service", "nation": "scotland", "service_area": ["children"],
            "goals": ["budgeting"], "timezone": "London", "availability": ["weekday-daytime"],
            "organisation": "Glasgow Libraries", "consent": True}
    logs = await onboard(world, {"Isla": isla}, confirm=False)
    _persona, log = logs["Isla"]
    assert "open to Libraries Connected members in England, Wales, Northern Ireland and the Crown Dependencies" \
        in log.last
    assert "Thank you so much for your interest" in log.last
    await asyncio.sleep(0)


async def test_a_library_service_named_in_an_answer_is_an_answer_not_a_claim_code(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    # "Library" is LIB + RARY: a code's shape where codes start LIB-. Mid-interview only a message that is a
    # code and nothing else is taken for one.
    world, schema = await make_world(tmp_path_factory, preset="libraries", programme_overrides={
        "intake": {"hashtags": ["LibrariesConnected"], "claim_code_prefix": "LIB"}})
    try:
        answers = leader("mentee", "emerging-leader", "Kent Library Service", ["budgeting"])
        logs = await onboard(world, {"Kim": answers})
        persona, log = logs["Kim"]
        assert log.asked.count("organisation") == 1
        assert not [m for m in persona.dms() if "Codes aren't typed here" in m.content]
    finally:
        await world.stop()
        await drop_test_schema(schema)


async def test_rolling_intake_matches_new_arrivals_weekly_without_touching_existing_pairs(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    world, schema = await make_world(tmp_path_factory, preset="runtogether",
                                     programme_overrides={"rhythm": {"mode": "rolling", "every_days": 7,
                                                                     "auto_confirm": True}})
    try:
        week1 = {k: RUNNERS[k] for k in ("Nell (mentor, North East)", "Sam (mentor, South West)",
                                         "Ned (new leader, North East)")}
        await onboard(world, week1)
        await world.bot.tick("rolling-intake")
        programme = world.bot.services.programmes.all()[0]

        async def active() -> dict[int, tuple[int, int]]:
            async with world.bot.sessions() as s:
                rows = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
            return {m.id or 0: (m.mentor_person_id, m.mentee_person_id) for m in rows}

        first = await active()
        assert len(first) == 1  # Ned has his mentor the same day
        await onboard(world, {"Sue (new leader, South West)": RUNNERS["Sue (new leader, South West)"]})
        world.clock.advance(timedelta(days=3))
        await world.bot.tick("rolling-intake")
        assert await active() == first  # not due yet: Sue waits for the weekly run
        world.clock.advance(timedelta(days=4))
        await world.bot.tick("rolling-intake")
        second = await active()
        assert len(second) == 2 and all(second[mid] == pair for mid, pair in first.items())
        await world.bot.tick("announce-pairs")
        async with world.bot.sessions() as s:
            rows = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
        assert all(m.space_id for m in rows)  # both pairs have their space
    finally:
        await world.stop()
        await drop_test_schema(schema)


def leader(role: str, level: str, authority: str, goals: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": role, "level": level, "nation": "england", "service_area": ["children"],
                           "goals": goals, "timezone": "London", "availability": ["weekday-daytime"],
                           "organisation": authority, "consent": True}
    if role == "mentor":
        out["capacity"] = 1
    return out


async def test_a_libraries_round_matches_only_people_who_completed_training_and_keeps_the_rest(
        lib_world: SandboxWorld) -> None:
    world = lib_world
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    opened = await olu.slash("programme", "round", "open", guild=guild,
                             options={"name": "Round 2", "prerequisites": "training"})
    assert "Round 2" in opened.content and "training" in opened.content
    people = await onboard(world, {
        "Ada (director)": leader("mentor", "director", "Kent Libraries", ["budgeting", "councillors"]),
        "Bea (director)": leader("mentor", "director", "Essex Libraries", ["confidence"]),
        "Cal (emerging)": leader("mentee", "emerging-leader", "Leeds Libraries", ["budgeting"]),
        "Dee (emerging)": leader("mentee", "emerging-leader", "York Libraries", ["confidence"]),
    })
    ada, cal, dee = people["Ada (director)"][0], people["Cal (emerging)"][0], people["Dee (emerging)"][0]
    marked = await olu.slash("programme", "round", "ready", guild=guild,
                             options={"member": ada.id, "prerequisite": "training"})
    assert "training recorded" in marked.content
    confirmed = await cal.slash("profile", "ready", guild=guild, options={"prerequisite": "training"})
    assert "Thank you" in confirmed.content
    too_early = await olu.slash("match", "preview", guild=guild)
    assert "still open" in too_early.content
    before = await olu.slash("programme", "stats", guild=guild)
    fields = {f["name"]: f["value"] for f in before.messages[0].embeds[0]["fields"]}
    assert "Round 2 (open): 4 people, 0 matched in 0 pairs, 2 not ready, 0 not eligible" in fields["Rounds: 1"]
    closed = await olu.slash("programme", "round", "close", guild=guild)
    assert "closed" in closed.content
    preview = await olu.slash("match", "preview", guild=guild)
    text = preview.messages[-1].attachments[0].data.decode("utf-8")
    assert "not ready for Round 2: training not completed yet — kept for the next round" in text
    await olu.slash("match", "confirm", guild=guild)
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        from storage.queries import people as pq
        from storage.queries import rounds as rq

        persons = {p.discord_user_id: p.id for p in await pq.people_in_programme(session=s, programme_id=programme.id)}
        matches = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
        rounds = await rq.rounds_of_programme(session=s, programme_id=programme.id)
    assert [(m.mentor_person_id, m.mentee_person_id) for m in matches] == [(persons[ada.id], persons[cal.id])]
    assert rounds[0].status == "matched" and matches[0].cohort_round_id == rounds[0].id
    assert persons[dee.id] not in {m.mentee_person_id for m in matches}  # Dee waits for the next round
    told = [m.content for m in dee.dms() if "Round 2" in m.content]
    assert len(told) == 1 and "haven't confirmed training yet" in told[0] and "next round" in told[0]
    assert not [m for m in cal.dms() if "haven't confirmed" in m.content]  # Cal is in the round
    await olu.slash("match", "preview", guild=guild)
    await olu.slash("match", "confirm", guild=guild)
    assert len([m for m in dee.dms() if "Round 2" in m.content]) == 1  # told once per round
    after = await olu.slash("programme", "stats", guild=guild)
    fields = {f["name"]: f["value"] for f in after.messages[0].embeds[0]["fields"]}
    assert "Round 2 (matched): 4 people, 2 matched in 1 pair, 2 not ready, 0 not eligible" in fields["Rounds: 1"]
    exported = await olu.slash("export", guild=guild, options={"what": "matches"})
    data = exported.messages[-1].attachments[0].data.decode("utf-8")
    assert "round" in data.splitlines()[0] and "Round 2" in data


async def test_a_round_is_not_matched_before_its_start_and_late_joiners_wait_for_the_next_round(
        lib_world: SandboxWorld) -> None:
    world = lib_world
    olu, guild = world.organiser, world.guild
    assert olu is not None and guild is not None
    today = world.clock.now().date()
    opened = await olu.slash("programme", "round", "open", guild=guild, options={
        "name": "Round 3", "starts": (today + timedelta(days=3)).isoformat(),
        "closes": (today + timedelta(days=10)).isoformat()})
    assert "Round 3" in opened.content and "from" in opened.content
    people = await onboard(world, {
        "Ada (director)": leader("mentor", "director", "Kent Libraries", ["budgeting"]),
        "Cal (emerging)": leader("mentee", "emerging-leader", "Leeds Libraries", ["budgeting"]),
    })
    too_soon = await olu.slash("match", "preview", guild=guild)
    assert "Round 3 starts on" in too_soon.content and "matched from then" in too_soon.content
    world.clock.advance(timedelta(days=4))
    still_open = await olu.slash("match", "preview", guild=guild)
    assert "still open" in still_open.content
    world.clock.advance(timedelta(days=8))  # past the closing date
    late = await onboard(world, {"Eve (emerging)": leader("mentee", "emerging-leader", "York Libraries",
                                                          ["budgeting"])})
    eve = late["Eve (emerging)"][0]
    preview = await olu.slash("match", "preview", guild=guild)  # the round closed itself on its date
    text = preview.messages[-1].attachments[0].data.decode("utf-8")
    assert "Eve" in text and "completed their profile after it closed" in text
    await olu.slash("match", "confirm", guild=guild)
    programme = world.bot.services.programmes.all()[0]
    async with world.bot.sessions() as s:
        from storage.queries import people as pq

        persons = {p.discord_user_id: p.id for p in await pq.people_in_programme(session=s, programme_id=programme.id)}
        matches = await mq.matches_in_programme(session=s, programme_id=programme.id, statuses=("active",))
    ada, cal = people["Ada (director)"][0], people["Cal (emerging)"][0]
    assert [(m.mentor_person_id, m.mentee_person_id) for m in matches] == [(persons[ada.id], persons[cal.id])]
    told = [m.content for m in eve.dms() if "Round 3" in m.content]
    assert len(told) == 1 and "closed on" in told[0] and "next round" in told[0]
