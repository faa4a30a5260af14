"""One check-in per person per moment: a mentor with several mentees gets ONE message listing each pairing,
each with its own answer control, laid out within Discord's limits. Pure: no discord import.

A batched check-in is one message; each pairing is a *section* (one nudge row of its own, so answers,
escalations and the organisers' digest stay per pair). A section takes ``rows`` action rows (1: its answer
select; a feature adding per-pair components, e.g. goal progress, raises it). Discord allows 5 action rows
and 25 components per message and 2,000 characters of content: :func:`pages` splits the sections into pages
of one message (a navigation row is kept when there is more than one page), and :func:`render` writes the
content, cut to fit, with every section's reference marker in the footer (how a message sent before a crash
is found again, whichever of its nudges is looked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.voice import CheckinWords

__all__ = ["MAX_ROWS", "CheckinSection", "answerable", "page_of", "pages", "render", "status_line"]

#: Discord: 5 action rows per message, 25 components, 2,000 characters of content.
MAX_ROWS = 5
MAX_COMPONENTS = 25
CONTENT_LIMIT = 2000

#: the words (``[checkin_words]``) of how an answered pairing reads in the message (short: the person already
#: saw the choice they made)
ANSWERED: dict[str, str] = {"met": "batch_met", "not_yet": "batch_not_yet", "help": "batch_help", "end": "batch_end"}


@dataclass(frozen=True)
class CheckinSection:
    """One pairing in a batched check-in: its own nudge, who the partner is, and its answer so far."""

    nudge_id: int
    partner: str
    space_id: int | None = None
    week: int = 1
    answer: str | None = None
    #: action rows this section takes (its answer select, plus any per-pair components another feature adds)
    rows: int = 1
    #: False once the pairing has ended: nothing left to answer
    open: bool = True
    #: the pair has goals: its section carries a "Goal progress" button on a row of its own (``rows`` is 2)
    goal_match_id: int | None = None

    @property
    def marker(self) -> str:
        return f"ref:n{self.nudge_id}"


def pages(sections: Sequence[CheckinSection], max_rows: int = MAX_ROWS) -> list[list[CheckinSection]]:
    """The sections split into pages of one message each, in order. One page when everything fits in
    ``max_rows``; otherwise each page keeps one row for navigation. A section never spans two pages."""
    if sum(s.rows for s in sections) <= max_rows:
        return [list(sections)] if sections else []
    budget = max_rows - 1
    out: list[list[CheckinSection]] = []
    current: list[CheckinSection] = []
    used = 0
    for s in sections:
        if s.rows > budget:
            raise ValueError(f"a section of {s.rows} rows cannot fit a page of {budget}")
        if current and used + s.rows > budget:
            out.append(current)
            current, used = [], 0
        current.append(s)
        used += s.rows
    if current:
        out.append(current)
    return out


def page_of(sections: Sequence[CheckinSection], nudge_id: int, max_rows: int = MAX_ROWS) -> int:
    """The page (from 0) that shows ``nudge_id``'s section; 0 when it is not there."""
    for i, page in enumerate(pages(sections, max_rows)):
        if any(s.nudge_id == nudge_id for s in page):
            return i
    return 0


def status_line(section: CheckinSection, words: CheckinWords | None = None) -> str:
    words = words or CheckinWords()
    if section.answer:
        return words.say(ANSWERED[section.answer]) if section.answer in ANSWERED else "✓"
    return "" if section.open else words.batch_over


def answerable(section: CheckinSection) -> bool:
    return section.open and section.answer is None


def render(intro: str, sections: Sequence[CheckinSection], *, limit: int = CONTENT_LIMIT,
           words: CheckinWords | None = None) -> str:
    """The message's content: the intro, one line per pairing, and every section's marker as the footer.
    Lines are cut (never the footer) so the whole fits ``limit``. ``words``: the programme's."""
    words = words or CheckinWords()
    footer = "\n-# " + " ".join(s.marker for s in sections)
    lines = []
    for i, s in enumerate(sections, start=1):
        where = f" · <#{s.space_id}>" if s.space_id else ""
        done = status_line(s, words)
        goals = f" · {words.batch_has_goals}" if s.goal_match_id is not None else ""
        lines.append(f"**{i}. {s.partner}** ({words.say('batch_week', week=s.week)}){where}{goals}"
                     + (f" — {done}" if done else ""))
    room = limit - len(footer)
    body = intro.strip()
    for n, line in enumerate(lines):
        more = "\n" + words.say("batch_more", count=len(lines) - n)
        if len(body) + 1 + len(line) + len(more) > room and n < len(lines) - 1 \
                or len(body) + 1 + len(line) > room:
            body = (body + more)[:room]
            break
        body += "\n" + line
    return body[:room] + footer
