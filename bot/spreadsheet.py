"""The one CSV writer and reader of the bot: every CSV it produces (profile and match exports, the
``/match preview`` pairs, the offline ``python -m bot match`` files) is written here, and ``/import`` reads here.

Writing (safe to open in a spreadsheet):

* every field quoted, rows end with ``\\r\\n`` (RFC 4180);
* line breaks and other control characters inside a cell become spaces, so no value can split a row even
  for a reader that ignores quotes;
* a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP's
  rule against CSV/formula injection): spreadsheets show it as text, never run it.

Reading (:func:`read_rows`): never raises on bad data. A line holding a NUL byte, a quote that is never
closed, or a cell longer than :data:`MAX_CELL` is reported with its line number, and the other rows still
load. :func:`unescape_cell` takes the ``'`` off again, so the bot's own exports read back as written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 2_000  # characters; a longer cell is a broken row (e.g. a quote left open), not data
MAX_RECORD_LINES = 20  # a quoted value may span lines; an open quote is given up after this many
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_cell(value: object) -> str:
    """One cell as the bot writes it: text, control characters (line breaks included) as one space, and a
    formula-starting value prefixed with ``'``."""
    text = "" if value is None else str(value)
    starts_formula = text.startswith(FORMULA_START)
    text = _CONTROL.sub(" ", text)
    return "'" + text if starts_formula or text.startswith(FORMULA_START) else text


def unescape_cell(value: str) -> str:
    """A cell as read back: the ``'`` the writer put before a formula-starting value is taken off."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@ \t\r":
        return value[1:]
    return value


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV: a header of ``columns`` and ``rows`` (sequences in column order), every cell cleaned."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([clean_cell(c) for c in columns])
    for row in rows:
        writer.writerow([clean_cell(c) for c in row])
    return buffer.getvalue()


@dataclass(frozen=True)
class ReadRow:
    """A row read (``cells``), or a line that could not be (``problem``), with its first line number."""

    line: int
    cells: list[str] | None = None
    problem: str | None = None


def _physical_lines(text: str) -> list[str]:
    """Lines with their endings (``\n`` or ``\r\n``); a lone ``\r`` stays inside its line."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def read_rows(text: str) -> Iterator[ReadRow]:
    """Rows of a CSV, line-numbered (the first line is 1). Bad lines come back with a ``problem`` and
    reading goes on at the next line."""
    lines = _physical_lines(text.lstrip("\ufeff"))
    i = 0
    while i < len(lines):
        start = i
        record = lines[i]
        while record.count('"') % 2 == 1 and i + 1 < len(lines) and i - start + 1 < MAX_RECORD_LINES:
            i += 1
            record += lines[i]
        if record.count('"') % 2 == 1:
            yield ReadRow(start + 1, problem="a quote is opened and never closed")
            i = start + 1
            continue
        i += 1
        if "\x00" in record:
            yield ReadRow(start + 1, problem="contains a NUL byte")
            continue
        try:
            parsed = list(csv.reader(io.StringIO(record, newline="")))
        except csv.Error as exc:
            yield ReadRow(start + 1, problem=f"not valid CSV ({exc})")
            continue
        row = parsed[0] if parsed else []
        longest = max((len(c) for c in row), default=0)
        if longest > MAX_CELL:
            yield ReadRow(start + 1, problem=f"a cell of {longest} characters (at most {MAX_CELL})")
            continue
        yield ReadRow(start + 1, cells=[unescape_cell(c) for c in row])
