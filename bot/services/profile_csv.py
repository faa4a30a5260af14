"""The people CSV of shared/MATCHING.md, read and written (pure: no database, no discord).

Columns, in order: ``id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous``.
Sets are ``a;b;c``. Reading never raises on bad data: each broken row comes back as a :class:`RowProblem` with
its line number (the header is line 1), and the good rows are still returned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.onboarding.profile import MATCH_COLUMNS

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name", "role")
#: The matches CSV of ``python -m bot match`` (mentor_id, mentee_id, score, reasons) plus what the bot knows.
MATCHES_COLUMNS: tuple[str, ...] = (
    "mentor_id", "mentee_id", "score", "reasons", "mentor_name", "mentee_name", "status", "started_at", "ended_at",
)
MAX_ROWS = 50_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvRecord:
    """One data row: its first line number in the file and its cells by (lower-case) column name."""

    line: int
    cells: dict[str, str]

    @property
    def id(self) -> str:
        return self.cells.get("id", "").strip()

    @property
    def name(self) -> str:
        return self.cells.get("name", "").strip()


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def split_set(cell: str) -> list[str]:
    """``a; B ;c`` → ``['a', 'b', 'c']`` (trimmed, lower-cased, empties dropped, order kept, no repeats)."""
    out: list[str] = []
    for part in cell.split(";"):
        value = part.strip().lower()
        if value and value not in out:
            out.append(value)
    return out


def read_people_csv(text: str) -> tuple[list[CsvRecord], list[RowProblem]]:
    """Parse a people CSV. Rows with no id, a repeated id or too many cells are reported, not returned."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[RowProblem] = []
    records: list[CsvRecord] = []
    header: list[str] | None = None
    seen: dict[str, int] = {}
    next_line = 1
    try:
        for row in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                missing = [c for c in REQUIRED_COLUMNS if c not in header]
                if missing:
                    problems.append(RowProblem(line, f"the header has no column(s) {', '.join(missing)} "
                                                     f"(expected: {','.join(MATCH_COLUMNS)})"))
                    return [], problems
                continue
            if len(records) >= MAX_ROWS:
                problems.append(RowProblem(line, f"more than {MAX_ROWS} rows; the rest were not read"))
                break
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                problems.append(RowProblem(line, f"has {len(row)} cells but the header has {len(header)} "
                                                 "(a comma inside a value needs quotes)"))
                continue
            cells = {name: (row[i] if i < len(row) else "") for i, name in enumerate(header) if name}
            record = CsvRecord(line, cells)
            if not record.id:
                problems.append(RowProblem(line, "empty id"))
                continue
            key = record.id.lower()
            if key in seen:
                problems.append(RowProblem(line, f"id '{record.id}' is already used on line {seen[key]}"))
                continue
            seen[key] = line
            records.append(record)
    except csv.Error as exc:
        problems.append(RowProblem(next_line, f"not valid CSV ({exc})"))
    if header is None:
        problems.append(RowProblem(1, f"the file is empty (expected the header {','.join(MATCH_COLUMNS)})"))
    return records, problems


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells that start with ``=`` etc. as formulas; a leading space keeps them text (and
    MATCHING.md trims values, so the file still reads the same)."""
    return " " + value if value.startswith(_FORMULA_START) else value


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """A CSV with ``columns`` in order (missing cells empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_safe_cell(str(row.get(c, ""))) for c in columns])
    return buffer.getvalue()


def write_people_csv(records: Iterable[Mapping[str, str]]) -> str:
    """The people CSV of MATCHING.md (exactly its columns, in order)."""
    return write_csv(MATCH_COLUMNS, records)


def write_matches_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """Pairs: ``mentor_id,mentee_id,score,reasons`` (as ``python -m bot match`` writes) then names, status and
    dates."""
    return write_csv(MATCHES_COLUMNS, rows)
