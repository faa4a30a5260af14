"""Every CSV the bot writes is safe to open in a spreadsheet, and /import survives broken lines."""

from __future__ import annotations

import csv
import io

import pytest

from bot.matching.csvio import matches_csv, parse_people, people_csv
from bot.matching.model import Pair, Person
from bot.services.matching import pairs_csv
from bot.services.profile_csv import read_people_csv, write_people_csv
from bot.spreadsheet import FORMULA_START, MAX_CELL, read_rows, write_csv

HOSTILE = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd",
           "Ann\r\n=HYPERLINK(\"x\")", "Bo\n@cmd", "plain, with \"quotes\""]


def cells_as_a_spreadsheet_reads_them(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_safe(text: str, rows: int) -> None:
    table = cells_as_a_spreadsheet_reads_them(text)
    assert len(table) == rows + 1, "a value split a row"
    assert text.count("\r\n") == rows + 1 and "\n" not in text.replace("\r\n", ""), "one line per row"
    assert not any(cell.startswith(FORMULA_START) for row in table for cell in row), "a cell starts a formula"
    assert all(line.startswith('"') and line.endswith('"') for line in text.split("\r\n") if line)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_text_in_every_csv_the_bot_writes(name: str) -> None:
    assert_safe(write_people_csv([{"id": "1", "name": name, "role": "mentee"}]), 1)
    person = Person(id="1", name=name, role="mentee", stage="teacher", timezone="Europe/London",
                    availability=frozenset({"weekends"}))
    assert_safe(people_csv([person]), 1)
    assert_safe(matches_csv([Pair(mentor_id="1", mentee_id="2", score=1.0, reasons=name, breakdown={})]), 1)


def test_the_match_preview_csv_escapes_names_and_reasons() -> None:
    class Result:
        pairs = [Pair(mentor_id="1", mentee_id="2", score=50.0, reasons="-both secondary", breakdown={})]
        unmatched: list[object] = []

    text = pairs_csv(Result(), {"1": "=HYPERLINK(\"https://evil.example\")", "2": "Ann\r=1+1"})  # type: ignore[arg-type]
    assert_safe(text, 1)


def test_the_bots_own_files_read_back_as_written() -> None:
    text = write_people_csv([{"id": "1", "name": "=Dan", "role": "mentee", "organisation": "-Hill"}])
    (record,), problems = read_people_csv(text)
    assert problems == [] and record.name == "=Dan" and record.cells["organisation"] == "-Hill"
    person = Person(id="1", name="@ana", role="mentee", stage="teacher", timezone="Europe/London",
                    availability=frozenset({"weekends"}))
    again, errors = parse_people(people_csv([person]))
    assert errors == [] and again[0].name == "@ana"


def test_nul_bytes_unclosed_quotes_and_huge_cells_are_named_by_line_and_the_rest_load() -> None:
    header = "id,name,role"
    text = "\n".join([
        header,
        "a,Ann,mentor",                    # 2 ok
        "b,B\x00ob,mentee",                # 3 NUL
        "c,\"Cy,mentee",                   # 4 quote never closed
        "d,Di,mentee",                     # 5 ok
        f"e,{'x' * (MAX_CELL + 1)},mentee",  # 6 huge cell
        "f,Flo\x07,mentee",                # 7 ok, the bell removed from the name
    ]) + "\n"
    records, problems = read_people_csv(text)
    assert [(r.id, r.name) for r in records] == [("a", "Ann"), ("d", "Di"), ("f", "Flo")]
    assert [(p.line, p.reason.split(" ")[0]) for p in problems] == [(3, "contains"), (4, "a"), (6, "a")]
    assert "NUL" in problems[0].reason and "never closed" in problems[1].reason and "characters" in problems[2].reason


def test_a_quoted_value_may_span_lines() -> None:
    rows = list(read_rows('id,note\r\n1,"two\r\nlines"\r\n2,x\r\n'))
    assert [(r.line, r.cells) for r in rows] == [(1, ["id", "note"]), (2, ["1", "two\r\nlines"]), (4, ["2", "x"])]


def test_the_header_is_escaped_too() -> None:
    assert_safe(write_csv(["=a", "b"], [["1", "2"]]), 1)
