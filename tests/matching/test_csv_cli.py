"""People CSV in, matches CSV out, and the offline `match` command."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from rich.console import Console

from bot.matching.cli import run_match_cli
from bot.matching.csvio import parse_people, people_csv, read_people
from bot.matching.synth import cohort

GOOD = (
    "id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous\n"
    "m1,Ann,mentor,secondary,maths;physics,middle-leader,Europe/London,weekday-evenings,behaviour;planning,2,Oak,\n"
    "e1,Bob,mentee,secondary,maths,early-career,Europe/Paris,weekday-evenings,behaviour;planning;send,,Elm,\n"
    "e2,Cat,mentee,primary,art,trainee,Asia/Kolkata,weekday-evenings,wellbeing,,,\n"
)


def test_form_export_with_bom_odd_headers_and_extra_columns_is_read() -> None:
    text = ("\ufeff Timestamp ,ROLE,Id, Stage ,TimeZone,Availability,Phase,Subjects,Goals,Favourite colour\n"
            "2026-01-01, Mentor ,m1,Headteacher, Europe/London ,Weekends;weekday-evenings,Primary, Maths ,SEND,blue\n")
    people, errors = parse_people(text)
    assert errors == []
    (p,) = people
    assert (p.id, p.role, p.stage, p.timezone) == ("m1", "mentor", "headteacher", "Europe/London")
    assert p.availability == {"weekends", "weekday-evenings"} and p.subjects == {"maths"} and p.goals == {"send"}
    assert p.capacity == 1 and p.extra["favourite colour"] == "blue"


def test_bad_rows_are_reported_with_line_numbers_and_the_rest_are_kept() -> None:
    text = GOOD + (
        "x1,,boss,,,teacher,Europe/London,weekends,,,,\n"
        "x2,,mentee,,,wizard,Europe/London,weekends,,,,\n"
        "x3,,mentor,,,teacher,Mars/Base,weekends,,,,\n"
        "\n"
        "x4,,mentor,,,teacher,Europe/London,sometimes,,9,,\n"
        "m1,,mentee,,,trainee,Europe/London,weekends,,,,\n"
        ",,mentee,,,trainee,Europe/London,weekends,,,,\n"
    )
    people, errors = parse_people(text)
    assert [p.id for p in people] == ["m1", "e1", "e2"]
    by_line = {e.line: e.reason for e in errors}
    assert set(by_line) == {5, 6, 7, 9, 10, 11}
    assert "role 'boss'" in by_line[5]
    assert "stage 'wizard'" in by_line[6]
    assert "unknown time zone 'Mars/Base'" in by_line[7]
    assert "unknown availability sometimes" in by_line[9] and "capacity 9" in by_line[9]
    assert "duplicate id 'm1' (first on line 2)" in by_line[10]
    assert "empty id" in by_line[11]


def test_missing_required_column_is_one_error_on_the_header() -> None:
    people, errors = parse_people("id,role,stage\nm1,mentor,teacher\n")
    assert people == [] and errors[0].line == 1 and "timezone" in errors[0].reason


def test_people_csv_round_trips() -> None:
    people = cohort(30, 10, seed=2, both_share=0.3)
    again, errors = parse_people(people_csv(people))
    assert errors == [] and again == people


def test_cli_writes_matches_and_summarises(tmp_path: Path) -> None:
    src, out = tmp_path / "people.csv", tmp_path / "matches.csv"
    src.write_text(GOOD + "bad,,mentor,,,teacher,Nowhere,weekends,,,,\n", encoding="utf-8")
    console = Console(record=True, width=200)
    code = run_match_cli(src, out, date(2026, 11, 24), None, False, console)
    assert code == 1  # matched, but one row was bad
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["mentor_id"], r["mentee_id"]) for r in rows] == [("m1", "e1")]
    assert rows[0]["score"] == "79.17" and "share maths" in rows[0]["reasons"]
    text = console.export_text()
    assert "certified optimal" in text and "yes" in text
    assert "e2" in text and "no mentor" in text and "Kolkata" in text
    assert "unknown time zone 'Nowhere'" in text and "5" in text


def test_cli_json_and_config_file(tmp_path: Path) -> None:
    src, out, cfg = tmp_path / "people.csv", tmp_path / "m.csv", tmp_path / "programme.toml"
    src.write_text(GOOD, encoding="utf-8")
    cfg.write_text('[[programme]]\nname = "x"\n[programme.matching]\nmax_timezone_gap_hours = 6\n',
                   encoding="utf-8")
    console = Console(record=True, width=200)
    assert run_match_cli(src, out, date(2026, 11, 24), cfg, True, console) == 0
    data = json.loads(console.export_text())
    assert data["summary"]["matched"] == 2 and data["summary"]["certified_optimal"] is True


def test_cli_refuses_a_bad_config_or_a_missing_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[matching]\nmax_timezone_gap_hours = 40\n", encoding="utf-8")
    console = Console(record=True, width=200)
    assert run_match_cli(tmp_path / "none.csv", tmp_path / "o.csv", None, None, False, console) == 2
    src = tmp_path / "p.csv"
    src.write_text(GOOD, encoding="utf-8")
    assert run_match_cli(src, tmp_path / "o.csv", None, cfg, False, console) == 2
    assert "max_timezone_gap_hours" in console.export_text()


def test_read_people_from_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(("\ufeff" + GOOD).encode("utf-8"))
    people, errors = read_people(path)
    assert len(people) == 3 and errors == []
