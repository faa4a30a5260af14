"""The people CSV (shared/MATCHING.md) read and written: line numbers, repeats, spreadsheets' formulas."""

from __future__ import annotations

from bot.onboarding.profile import MATCH_COLUMNS
from bot.programme import preset_spec
from bot.services.profile_csv import read_people_csv, split_set, write_people_csv

HEADER = ",".join(MATCH_COLUMNS)


def test_rows_come_back_with_the_line_they_start_on_even_after_a_multiline_cell() -> None:
    text = f'{HEADER}\na,Ann,mentor,,,,,,,,"Hill\nSchool",\n\nb,Bo,mentee,,,,,,,,,\n'
    records, problems = read_people_csv(text)
    assert problems == []
    assert [(r.line, r.id) for r in records] == [(2, "a"), (5, "b")]
    assert records[0].cells["organisation"] == "Hill\nSchool"


def test_broken_rows_are_named_and_the_rest_are_kept() -> None:
    text = f"{HEADER}\na,Ann,mentor\n,NoId,mentee\na,Again,mentee\nc,Cy,mentee,,,,,,,,,,extra\nd,Di,mentee\n"
    records, problems = read_people_csv(text)
    assert [r.id for r in records] == ["a", "d"]
    assert [str(p) for p in problems] == [
        "line 3: empty id",
        "line 4: id 'a' is already used on line 2",
        "line 5: has 13 cells but the header has 12 (a comma inside a value needs quotes)",
    ]


def test_a_file_without_the_needed_columns_says_which_are_missing() -> None:
    records, problems = read_people_csv("name,phase\nAnn,primary\n")
    assert records == []
    assert "no column(s) id, role" in str(problems[0]) and problems[0].line == 1
    assert "empty" in str(read_people_csv("")[1][0])


def test_written_files_have_the_matching_columns_and_no_formulas() -> None:
    text = write_people_csv([{"id": "1", "name": "=HYPERLINK(\"x\")", "role": "mentee", "organisation": "@corp"}])
    assert text.split("\r\n")[0] == ",".join(f'"{c}"' for c in MATCH_COLUMNS)
    assert '"\'=HYPERLINK(""x"")"' in text and '"\'@corp"' in text
    records, _ = read_people_csv(text)
    assert records[0].name == '=HYPERLINK("x")' and records[0].cells["organisation"] == "@corp"


def test_sets_are_trimmed_lower_cased_and_without_repeats() -> None:
    assert split_set(" Maths ; english;;MATHS ") == ["maths", "english"]


def test_columns_map_to_a_presets_own_questions() -> None:
    spec = preset_spec("libraries")
    level = next(q for q in spec.questions if q.profile_field == "stage")
    cells = {"id": "1", "name": "Ann", "role": "Mentee", "stage": level.options[0].value, "capacity": "3",
             "timezone": "Europe/London", "phase": "primary"}
    answers, problems = spec.answers_from_cells(cells)
    assert problems == []
    assert answers["role"] == "mentee" and answers[level.key] == level.options[0].value
    assert "capacity" not in answers  # mentees have no capacity
    _, problems = spec.answers_from_cells({**cells, "role": "mentor", "capacity": "seven"})
    assert problems == ["capacity: 'seven' is not a whole number"]
