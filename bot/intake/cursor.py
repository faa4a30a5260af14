"""The X search cursor, and why it is safe to store after every page.

X's recent search with ``since_id`` returns the posts newer than ``since_id`` **newest first**, following
``next_token`` towards older posts until ``since_id`` is reached. Storing the first page's ``newest_id``
straight away would be wrong: a crash before the older pages are read would skip them for ever (the next
poll asks only for posts newer than that id).

So the cursor is one of two strings, opaque to the caller:

* ``"<id>"`` — a plain post id: every post up to and including it is stored. The next poll asks
  ``since_id=<id>``. (None / ``""``: nothing stored yet; the next poll reads X's whole 7-day window.)
* ``"p:<since>:<until>:<top>"`` — a catch-up is under way: every post ``<= since`` and every post
  ``>= until`` up to ``top`` is stored; what remains is ``since < id < until``. The next poll resumes with
  ``since_id=<since>&until_id=<until>`` and, once that range is exhausted, the cursor becomes ``"<top>"``.
  Posts newer than ``top`` that arrived meanwhile are read by the poll after that (``since_id=<top>``).

Each :class:`~bot.intake.source.Page` carries the cursor that is true once its posts are stored, so the
caller writes the page's posts and its cursor in one transaction: a crash between pages re-reads at most
the page in flight, which unique post ids make harmless. Pagination tokens are never stored: they only
make sense together with the request they came from. A cursor is at most 61 characters (ids ≤ 19 digits).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class XCursor:
    since_id: str | None = None
    until_id: str | None = None  # set while a catch-up is partial
    top_id: str | None = None  # the newest id of the partial catch-up

    @property
    def partial(self) -> bool:
        return self.until_id is not None

    def encode(self) -> str | None:
        if self.until_id is None:
            return self.since_id
        return f"p:{self.since_id or ''}:{self.until_id}:{self.top_id or ''}"

    def after_page(self, oldest_id: str | None, more: bool) -> XCursor:
        """The cursor once a page reaching down to ``oldest_id`` is stored (``more``: older pages remain)."""
        if not more:
            return XCursor(since_id=self.top_id or self.since_id)
        if oldest_id is None:
            return self
        return XCursor(since_id=self.since_id, until_id=oldest_id, top_id=self.top_id)


def parse_cursor(cursor: str | None) -> XCursor:
    """Parse a stored cursor; a plain id is ``since_id``. Raises ValueError on garbage."""
    if not cursor:
        return XCursor()
    if cursor.startswith("p:"):
        parts = cursor.split(":")
        if len(parts) != 4 or not parts[2].isdigit() or not all(p.isdigit() for p in parts[1:] if p):
            raise ValueError(f"bad X cursor {cursor!r}")
        return XCursor(since_id=parts[1] or None, until_id=parts[2], top_id=parts[3] or None)
    if not cursor.isdigit():
        raise ValueError(f"bad X cursor {cursor!r}")
    return XCursor(since_id=cursor)


def newest_id(*ids: str | None) -> str | None:
    """The largest of some post ids (numeric compare), ignoring None."""
    present = [i for i in ids if i]
    return max(present, key=int) if present else None
