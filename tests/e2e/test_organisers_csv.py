"""``/export`` and ``/import``: the MATCHING.md people CSV round-trips, and broken rows are named by line."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.config import ProgrammeConfig
from bot.matching.csvio import parse_people
from bot.onboarding.profile import MATCH_COLUMNS
from bot.sandbox.world import SandboxWorld
from bot.spreadsheet import unescape_cell
from storage.db import transaction
from storage.models import Match
from storage.queries import people
from tests.support.organisers import MENTEE, MENTOR, attachment_text, bulk_people, slash

pytestmark = pytest.mark.e2e


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Rows keyed by name, with ``previous`` turned from ids into names (ids differ between programmes)."""
    names = {r["id"]: r["name"] for r in rows}
    out = {}
    for r in rows:
        row = {k: v for k, v in r.items() if k != "id"}
        row["previous"] = ";".join(sorted(names[i] for i in r["previous"].split(";") if i))
        out[r["name"]] = row
    return out


async def test_export_then_import_into_a_second_programme_reproduces_the_profiles(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    edu = world.bot.services.programmes.get("edu")
    assert edu is not None
    now = world.clock.now()
    ids = await bulk_people(world.bot.sessions, edu.id, [
        ("Ana Mentor", 7001, MENTOR),
        ("Ben, the \"early\" teacher", 7002, {**MENTEE, "subjects": ["maths", "english"], "organisation": ""}),
        ("Cat Both", 7003, {**MENTOR, "role": "both", "capacity": 1, "stage": "teacher", "timezone": "Asia/Tokyo"}),
        ("=Dan", None, {**MENTEE, "availability": ["weekends"]}),
        ("Eve Nobody", 7005, None),  # no profile: not exported
    ], now=now)
    async with transaction(world.bot.sessions) as s:
        s.add(Match(programme_id=edu.id, mentor_person_id=ids[0], mentee_person_id=ids[1], status="ended",
                    started_at=now - timedelta(days=60), ended_at=now - timedelta(days=2), score=71.5,
                    reasons="both secondary"))

    exported = await slash(world.organiser, world.guild, "export")
    assert all(m.ephemeral for m in exported.messages)
    profiles_csv = attachment_text(exported, "edu-profiles.csv")
    matches_csv = attachment_text(exported, "edu-matches.csv")
    assert profiles_csv.split("\r\n")[0] == ",".join(f'"{c}"' for c in MATCH_COLUMNS)
    rows = _rows(profiles_csv)
    assert len(rows) == 4
    ana = next(r for r in rows if r["name"] == "Ana Mentor")
    assert ana["phase"] == "secondary" and ana["subjects"] == "maths;physics" and ana["capacity"] == "2"
    assert ana["previous"] == str(ids[1])
    assert next(r for r in rows if "Dan" in r["name"])["name"] == "'=Dan"  # never a formula in a spreadsheet
    assert _rows(matches_csv)[0]["mentor_name"] == "Ana Mentor"
    assert matches_csv.startswith('"mentor_id","mentee_id","score","reasons",')
    matchable, errors = parse_people(profiles_csv)  # what `python -m bot match` reads
    assert errors == [] and len(matchable) == 4

    await world.bot.services.programmes.create(ProgrammeConfig(key="edu2", name="Second cohort",
                                                               guild_id=world.guild.id))
    imported = await slash(world.organiser, world.guild, "import", options={"programme": "edu2"},
                           file=("file", "edu-profiles.csv", profiles_csv.encode()))
    assert "Imported **4 profiles**" in imported.content
    assert "1 earlier pair from" in imported.content

    again = await slash(world.organiser, world.guild, "export", options={"programme": "edu2", "what": "profiles"})
    assert _by_name(_rows(attachment_text(again, "edu2-profiles.csv"))) == _by_name(rows)
    edu2 = world.bot.services.programmes.get("edu2")
    assert edu2 is not None
    async with world.bot.sessions() as s:
        newcomers = await people.people_in_programme(session=s, programme_id=edu2.id)
    assert {p.discord_user_id for p in newcomers} == {None}
    assert sorted(p.display_name for p in newcomers) == sorted(unescape_cell(r["name"]) for r in rows)

    # the bot's own export imported into the programme it came from: nobody new, no ghosts
    before = len(newcomers)
    same = await slash(world.organiser, world.guild, "import", options={"programme": "edu2"},
                       file=("file", "edu2-profiles.csv", attachment_text(again, "edu2-profiles.csv").encode()))
    assert "Imported **0 profiles**" in same.content and "4 rows are people already in the programme" in same.content
    async with world.bot.sessions() as s:
        assert len(await people.people_in_programme(session=s, programme_id=edu2.id)) == before


async def test_import_reports_each_broken_line_and_imports_the_rest(world: SandboxWorld) -> None:
    assert world.guild is not None and world.organiser is not None
    text = "\n".join([
        "id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous",
        "a1,Amy,mentor,secondary,maths,senior-leader,Europe/London,weekday-evenings,behaviour,2,Hill,",  # 2 ok
        "a2,Bob,boss,secondary,maths,teacher,Europe/London,weekends,behaviour,,,",  # 3 bad role
        "a3,Cy,mentee,secondary,maths,teacher,Mars/Olympus,weekends,behaviour,,,",  # 4 bad zone
        "a1,Dup,mentee,primary,maths,teacher,Europe/London,weekends,planning,,,",  # 5 repeated id
        "a5,Di,mentor,primary,maths,headteacher,Europe/Paris,weekends,planning,9,,",  # 6 capacity
        "a6,Flo,mentee,\"primary;secondary\",\"maths;english\",trainee,Europe/London,weekends,send,,,a1",  # 7 ok
        "a7,Gus,mentee,primary,basket-weaving,trainee,Europe/London,weekends,send,,,",  # 8 subject
        ",Nameless,mentee,primary,maths,trainee,Europe/London,weekends,send,,,",  # 9 no id
    ]) + "\n"
    result = await slash(world.organiser, world.guild, "import", file=("file", "spreadsheet.csv", text.encode()))
    assert "Imported **2 profiles**" in result.content
    assert "2 imported people have not agreed to be matched yet" in result.content
    assert "**6 rows were not imported:**" in result.content
    for line, words in ((3, "role 'boss'"), (4, "Mars/Olympus"), (5, "already used on line 2"), (6, "capacity"),
                        (8, "basket-weaving"), (9, "empty id")):
        assert f"line {line}: " in result.content and words in result.content, (line, result.content)
    assert "line 2:" not in result.content and "line 7:" not in result.content
    edu = world.bot.services.programmes.get("edu")
    assert edu is not None
    async with world.bot.sessions() as s:
        rows = await people.profiles_in_programme(session=s, programme_id=edu.id)
    by_name = {p.display_name: pr.answers for p, pr in rows}
    assert set(by_name) == {"Amy", "Flo"}
    assert by_name["Flo"]["phase"] == ["primary", "secondary"] and by_name["Amy"]["capacity"] == 2
