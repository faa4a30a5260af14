"""A reviewer's read of a demo transcript (issue #19's "Done when"): no teacher words outside #EduMentoring,
no error shown before the person answered, no question asked twice in a row, no wrong plural, and every
message readable (no raw mention, no empty placeholder, no unrendered embed)."""

from __future__ import annotations

import re

#: words that belong to #EduMentoring's teachers (a Libraries or RunTogether message using one is in the
#: wrong voice)
TEACHER_WORDS = re.compile(
    r"\b(teachers?|teaching|schools?|pupils?|classrooms?|headteachers?|ECTs?|early[- ]career|subjects? in common|"
    r"phases? in common|middle[- ]leader|senior[- ]leader|EduMentoring)\b", re.IGNORECASE)
ERROR_MARKERS = ("⚠️", "I couldn't recognise", "I don't recognise", "I didn't catch")
#: the question a message asks, as the transcript notes it from the message's structure (``ASKS_NOTE`` in
#: :mod:`bot.demo.transcript`: the question key of its components, or its configured prompt), never from the
#: programme's wording of its progress line
QUESTION = re.compile(r"<!-- asks: ([a-z][a-z0-9_]*) -->")
#: a reminder to finish the interview, asking its question again (``REMINDS_NOTE`` in :mod:`bot.demo.transcript`:
#: found from the programme's own reminder text), never from the reminder's wording
REMINDER = re.compile(r"<!-- reminds: ([a-z][a-z0-9_]*) -->")
NOTES = re.compile(r"<!-- (?:asks|reminds): [a-z][a-z0-9_]* -->")
WRONG_PLURAL = re.compile(
    r"\b(1 (?:pairs|people|persons|matches|mentors|mentees|questions|weeks|days|nudges|leads|rows|profiles|members|"
    r"check-ins|goals|events|answers|hours)|all 2 |(?:[02-9]|[1-9]\d+) (?:pair|person|match|mentor|mentee|question|"
    r"week|day|nudge|lead|row|profile|member|check-in|goal|event|answer)\b(?![-/]))")
UNREADABLE = re.compile(r"<[@#][!&]?\d{5,}>|\(empty message\)|\(embed/attachment\)|no answer came")


def _items(section: str) -> list[tuple[str, str]]:
    """(author, text) of each message of a transcript section, in order."""
    out = []
    for chunk in re.split(r"\n- \*\*", "\n" + section)[1:]:
        author, _, rest = chunk.partition("**")
        out.append((author, rest))
    return out


def asked_questions(text: str) -> list[str]:
    """Every question the bot asked in a transcript, in order (by key)."""
    return [key for author, message in _items(text) if author == "MentorBot" for key in QUESTION.findall(message)]


def review_transcript(text: str, programme: str) -> list[str]:
    """What a reviewer would flag, one line each (empty: nothing)."""
    problems: list[str] = []
    for section in re.split(r"\n## ", text)[1:]:
        title = section.split("\n", 1)[0]
        body = section.split("\n", 1)[1] if "\n" in section else ""
        shown = NOTES.sub("", body)  # what people read (the notes are not shown)
        if programme != "edumentoring":
            for found in TEACHER_WORDS.finditer(shown):
                problems.append(f"{title}: teacher word {found.group(0)!r} in {programme}")
        for found in WRONG_PLURAL.finditer(shown):
            problems.append(f"{title}: wrong plural {found.group(0)!r}")
        for found in UNREADABLE.finditer(shown):
            problems.append(f"{title}: unreadable {found.group(0)!r}")
        asked: str | None = None
        answered = True
        for author, message in _items(body):
            if author != "MentorBot":
                answered = True
                continue
            if asked is not None and not answered and any(m in message for m in ERROR_MARKERS) \
                    and "Pair at risk" not in message:
                problems.append(f"{title}: an error before any answer: {message.strip()[:100]!r}")
            questions = QUESTION.findall(message)
            if questions:
                if questions[-1] == asked and not answered and questions[-1] not in REMINDER.findall(message) \
                        and not any(m in message for m in ERROR_MARKERS):
                    problems.append(f"{title}: question asked twice: {questions[-1]!r}")
                asked = questions[-1]
                answered = False
            if "↳ _" in message:
                answered = True
    return problems[:50]


__all__ = ["asked_questions", "review_transcript"]
