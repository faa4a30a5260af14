"""The people CSV of shared/MATCHING.md, read and written (pure: no database, no discord).

Columns, in order: ``id,name,role,phase,subjects,stage,timezone,availability,goals,capacity,organisation,previous``.
Sets are ``a;b;c``. Reading never raises on bad data: each broken row comes back as a :class:`RowProblem` with
its line number (the header is line 1), and the good rows are still returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot import spreadsheet
from bot.onboarding.profile import MATCH_COLUMNS
from bot.onboarding.safe_text import clean_input
from bot.spreadsheet import read_rows

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name", "role")
#: The matches CSV of ``python -m bot match`` (mentor_id, mentee_id, score, reasons) plus what the bot knows.
MATCHES_COLUMNS: tuple[str, ...] = (
    "mentor_id", "mentee_id", "score", "reasons", "mentor_name", "mentee_name", "status", "started_at", "ended_at",
    "kind", "round",
)
MAX_ROWS = 50_000
#: the optional column with an imported person's Discord username
DISCORD_COLUMNS: tuple[str, ...] = ("discord", "discord_username")
_USERNAME = re.compile(r"[a-z0-9_.]{2,32}")


def normalise_username(raw: str) -> tuple[str | None, str | None]:
    """A Discord username as Discord shows it (``@name`` or ``name``; lower case) → (username, None), or
    (None, what is wrong). Display names (spaces, capitals that are not a username's) and old ``name#1234``
    tags are refused: only the unique username identifies one account."""
    value = raw.strip().removeprefix("@").lower()
    if "#" in value:
        return None, f"Discord username {raw!r}: old-style name#1234 tags no longer identify an account; use the username"
    if not _USERNAME.fullmatch(value):
        return None, (f"Discord username {raw!r} is not a username (2–32 letters, digits, '_' or '.'; "
                      "a display name is not enough to link someone)")
    return value, None


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

    def discord_username(self) -> tuple[str | None, str | None]:
        """The row's Discord username (``discord`` or ``discord_username`` column), normalised, or why it is
        not one. The member holding it is linked to the imported row when they join."""
        raw = next((self.cells[c] for c in DISCORD_COLUMNS if self.cells.get(c, "").strip()), "").strip()
        return normalise_username(raw) if raw else (None, None)


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
    """Parse a people CSV. Rows with no id, a repeated id or too many cells are reported, not returned; so
    are lines :func:`bot.spreadsheet.read_rows` cannot read (a NUL byte, an unclosed quote, a huge cell)."""
    problems: list[RowProblem] = []
    records: list[CsvRecord] = []
    header: list[str] | None = None
    seen: dict[str, int] = {}
    for read in read_rows(text):
        line, row = read.line, read.cells
        if row is None:
            problems.append(RowProblem(line, read.problem or "unreadable"))
            continue
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
        if "name" in cells:
            cells["name"] = clean_input(cells["name"])  # control characters never reach a stored name
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
    if header is None:
        problems.append(RowProblem(1, f"the file is empty (expected the header {','.join(MATCH_COLUMNS)})"))
    return records, problems


def write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """A CSV with ``columns`` in order (missing cells empty), written by :func:`bot.spreadsheet.write_csv`."""
    return spreadsheet.write_csv(columns, ([row.get(c, "") for c in columns] for row in rows))


def write_people_csv(records: Iterable[Mapping[str, str]]) -> str:
    """The people CSV of MATCHING.md (exactly its columns, in order)."""
    return write_csv(MATCH_COLUMNS, records)


def write_matches_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """Pairs: ``mentor_id,mentee_id,score,reasons`` (as ``python -m bot match`` writes) then names, status and
    dates."""
    return write_csv(MATCHES_COLUMNS, rows)
