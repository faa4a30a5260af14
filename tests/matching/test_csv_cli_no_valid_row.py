"""The offline matcher, given a file in which no row is valid, lists every bad row and stops clearly."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from rich.console import Console

from bot.matching.cli import run_match_cli

HEADER = "id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous\n"
ALL_BAD = HEADER + (
    "m1,Ann,boss,secondary,maths,middle-leader,Europe/London,weekday-evenings,,2,,\n"
    "e1,Bob,mentee,secondary,maths,early-career,Mars/Base,weekday-evenings,,,,\n"
)


def test_no_valid_row_lists_the_bad_rows_and_exits_with_a_clear_message(tmp_path: Path) -> None:
    src, out = tmp_path / "people.csv", tmp_path / "matches.csv"
    src.write_text(ALL_BAD, encoding="utf-8")
    console = Console(record=True, width=200)
    code = run_match_cli(src, out, date(2026, 11, 24), None, False, console)
    text = console.export_text()
    assert code == 2
    assert "role 'boss'" in text and "unknown time zone 'Mars/Base'" in text  # each bad row, with why
    assert "nothing to match" in text and "none of its 2 rows is valid" in text
    assert "reshape" not in text and not out.exists()


def test_no_valid_row_in_json_mode_is_an_error_object_with_the_rows(tmp_path: Path) -> None:
    src, out = tmp_path / "people.csv", tmp_path / "matches.csv"
    src.write_text(ALL_BAD, encoding="utf-8")
    console = Console(record=True, width=400)
    assert run_match_cli(src, out, date(2026, 11, 24), None, True, console) == 2
    data = json.loads(console.export_text())
    assert "nothing to match" in data["error"] and [r["line"] for r in data["bad_rows"]] == [2, 3]
