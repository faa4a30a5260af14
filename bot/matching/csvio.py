"""People CSV in, matches CSV out (shared/MATCHING.md columns).

A spreadsheet exported from a form works as it is: header order is free, headers are matched
case-insensitively after trimming, extra columns go to ``Person.extra`` (for custom criteria) and are
otherwise ignored, values are trimmed, a UTF-8 BOM is fine. Each bad row is reported with its line number and
reason; the other rows are kept. Reading and writing go through :mod:`bot.spreadsheet` (quoted cells, ``\r\n``,
formula-starting values made text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.matching.model import Pair, Person, norm_set, person_problems
from bot.spreadsheet import read_rows, write_csv

COLUMNS: tuple[str, ...] = ("id", "name", "role", "phase", "subjects", "stage", "timezone", "availability",
                            "goals", "capacity", "organisation", "previous")
REQUIRED: tuple[str, ...] = ("id", "role", "stage", "timezone", "availability")
SET_COLUMNS = ("phase", "subjects", "availability", "goals", "previous")
MATCH_COLUMNS: tuple[str, ...] = ("mentor_id", "mentee_id", "score", "reasons")


@dataclass(frozen=True)
class RowError:
    """A row that could not be used: its line in the file (the header is line 1) and why."""

    line: int
    reason: str


def _split(value: str) -> frozenset[str]:
    return norm_set(value.split(";"))


def parse_people(text: str) -> tuple[list[Person], list[RowError]]:
    """Parse CSV text into people (in file order) and the rows that were rejected."""
    rows = read_rows(text)
    header = next(rows, None)
    if header is None:
        return [], [RowError(1, "the file is empty")]
    if header.cells is None:
        return [], [RowError(header.line, f"the header: {header.problem}")]
    names = [h.strip().lower() for h in header.cells]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        return [], [RowError(1, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")]
    dup = sorted({n for n in names if n and names.count(n) > 1})
    if dup:
        return [], [RowError(1, f"duplicate column{'s' if len(dup) > 1 else ''}: {', '.join(dup)}")]
    people: list[Person] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for read in rows:
        line, raw = read.line, read.cells
        if raw is None:
            errors.append(RowError(line, read.problem or "unreadable"))
            continue
        if not any(v.strip() for v in raw):
            continue
        if len(raw) > len(names) and any(v.strip() for v in raw[len(names):]):
            errors.append(RowError(line, f"{len(raw)} values for {len(names)} columns"))
            continue
        row = {n: (raw[i].strip() if i < len(raw) else "") for i, n in enumerate(names) if n}
        person, problems = _person(row)
        if person is not None and person.id in seen:
            problems.append(f"duplicate id {person.id!r} (first on line {seen[person.id]})")
        if problems or person is None:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        seen[person.id] = line
        people.append(person)
    return people, errors


def _person(row: dict[str, str]) -> tuple[Person | None, list[str]]:
    problems: list[str] = []
    cap_text = row.get("capacity", "")
    capacity = 1
    if cap_text:
        try:
            capacity = int(cap_text)
        except ValueError:
            problems.append(f"capacity {cap_text!r} is not a whole number")
    extra: dict[str, object] = {k: v for k, v in row.items() if k not in COLUMNS}
    person = Person(
        id=row.get("id", ""), name=row.get("name", ""), role=row.get("role", "").lower(),
        phase=_split(row.get("phase", "")), subjects=_split(row.get("subjects", "")),
        stage=row.get("stage", "").lower(), timezone=row.get("timezone", ""),
        availability=_split(row.get("availability", "")), goals=_split(row.get("goals", "")),
        capacity=capacity, organisation=row.get("organisation", ""),
        previous=frozenset(v.strip() for v in row.get("previous", "").split(";") if v.strip()), extra=extra,
    )
    problems += person_problems(person)
    return (None if problems else person), problems


def read_people(path: Path) -> tuple[list[Person], list[RowError]]:
    """Read a people CSV (UTF-8, BOM allowed)."""
    return parse_people(path.read_text(encoding="utf-8-sig"))


def _cell(value: object) -> str:
    if isinstance(value, frozenset | set | list | tuple):
        return ";".join(sorted(str(v) for v in value))
    return "" if value is None else str(value)


def people_csv(people: Iterable[Person]) -> str:
    """People as CSV text in MATCHING.md column order (extra answers after, by name): reads back the same."""
    people = list(people)
    extra_cols = sorted({k for p in people for k in p.extra} - set(COLUMNS))
    return write_csv([*COLUMNS, *extra_cols], (
        [p.id, p.name, p.role, _cell(p.phase), _cell(p.subjects), p.stage, p.timezone, _cell(p.availability),
         _cell(p.goals), str(p.capacity), p.organisation, _cell(p.previous), *(_cell(p.extra.get(k)) for k in extra_cols)]
        for p in people))


def write_people(path: Path, people: Iterable[Person]) -> None:
    path.write_text(people_csv(people), encoding="utf-8")


def matches_csv(pairs: Sequence[Pair]) -> str:
    """``mentor_id,mentee_id,score,reasons`` with the score to 2 decimals."""
    return write_csv(MATCH_COLUMNS, ([p.mentor_id, p.mentee_id, f"{p.score:.2f}", p.reasons] for p in pairs))


def write_matches(path: Path, pairs: Sequence[Pair]) -> None:
    path.write_text(matches_csv(pairs), encoding="utf-8")
