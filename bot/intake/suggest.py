"""What a post says → suggestions that pre-fill the onboarding interview (the person confirms each one).

``suggest("Looking for a mentor! Secondary maths teacher #EduMentoring", vocab)`` →
``{"role": "mentee", "phase": "secondary", "subjects": ["maths"]}``.

Role comes from phrases ("looking for a mentor" → mentee, "happy to mentor" → mentor, both → "both").
Phase, subjects and any extra single-choice answers come from a :class:`Vocabulary` the programme passes
in: each answer value with the words that suggest it (the value itself always counts). Words match whole
words, case-insensitively, also inside hashtags written in CamelCase (``#PrimaryTeacher``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Suggestions = dict[str, str | list[str]]

_MENTEE = [
    r"(?:look(?:ing)?|search(?:ing)?|hop(?:e|ing)) (?:for|to find) (?:a |an |some )?(?:new )?mentor(?:ing|ship)?\b",
    r"\b(?:need|want|seek(?:ing)?|love|like|could use|find(?:ing)?|get(?:ting)?) (?:a |an |some )?(?:new )?mentor(?:ing|ship)?\b",
    r"\bbe(?:ing)? mentored\b",
    r"\b(?:as|be(?:come)?|am|i'm) an? mentee\b",
    r"\bmentee\b",
]
_MENTOR = [
    r"\b(?:happy|glad|keen|willing|able|love|like|available|want|offer(?:ing)?|volunteer(?:ing)?) to mentor\b",
    r"\b(?:can|could|would|will|i'd|i'll) mentor\b",
    r"\b(?:be(?:come)?|as|am|i'm) an? mentor\b",
    r"\boffer(?:ing)? (?:to )?mentor(?:ing|ship)?\b",
    r"\bmentor (?:someone|others|a new|new|an? early)\b",
    r"\b(?:look(?:ing)?|search(?:ing)?|seek(?:ing)?) for (?:a |an |some |new )*mentees?\b",
]
_NEGATION = re.compile(r"\b(?:not|no longer|don't|do not|never)\s+(?:\w+\s+){0,2}$")


@dataclass(frozen=True)
class Vocabulary:
    """Answer values and the words that suggest them, per interview question."""

    phases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    subjects: Mapping[str, Sequence[str]] = field(default_factory=dict)
    extra: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)  # key → value → words


def _readable(text: str) -> str:
    """Lower-case text with hashtags split into words: ``#PrimaryTeacher`` → ``primary teacher``."""

    def split_tag(m: re.Match[str]) -> str:
        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|_", " ", m.group(1))
        return f" {m.group(1)} {words} "

    return re.sub(r"[#＃](\w+)", split_tag, text).replace("’", "'").lower()


def _found(pattern: str, text: str) -> bool:
    for m in re.finditer(pattern, text):
        if not _NEGATION.search(text[max(0, m.start() - 30) : m.start()]):
            return True
    return False


def _word_hit(words: Sequence[str], text: str) -> int | None:
    """Position of the first of ``words`` in ``text`` (whole words), or None."""
    best: int | None = None
    for word in words:
        w = word.strip().lower()
        if not w:
            continue
        m = re.search(r"(?<![\w])" + r"[\s\-]*".join(re.escape(p) for p in w.split()) + r"(?![\w])", text)
        if m and (best is None or m.start() < best):
            best = m.start()
    return best


def _choices(options: Mapping[str, Sequence[str]], text: str) -> list[str]:
    """The values whose words appear, in the order they appear in the text."""
    hits = []
    for value, words in options.items():
        pos = _word_hit([value, *words], text)
        if pos is not None:
            hits.append((pos, value))
    return [value for _, value in sorted(hits)]


def suggest_role(text: str) -> str | None:
    """"mentee", "mentor", "both", or None."""
    readable = _readable(text)
    mentee = any(_found(p, readable) for p in _MENTEE[:-1])
    mentor = any(_found(p, readable) for p in _MENTOR)
    if not mentee and not mentor and _found(_MENTEE[-1], readable):
        mentee = True
    if mentee and mentor:
        return "both"
    return "mentee" if mentee else "mentor" if mentor else None


def suggest(text: str, vocabulary: Vocabulary | None = None) -> Suggestions:
    """Suggested answers (answer key → value) from a post's text; keys without a hint are left out."""
    vocab = vocabulary or Vocabulary()
    readable = _readable(text)
    out: Suggestions = {}
    role = suggest_role(text)
    if role is not None:
        out["role"] = role
    phases = _choices(vocab.phases, readable)
    if phases:
        out["phase"] = phases[0]
    subjects = _choices(vocab.subjects, readable)
    if subjects:
        out["subjects"] = subjects
    for key, options in vocab.extra.items():
        values = _choices(options, readable)
        if values:
            out[key] = values[0]
    return out
