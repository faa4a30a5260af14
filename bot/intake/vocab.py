"""From a programme's interview questions to the words that suggest answers, and from :func:`suggest`'s
output to values the interview accepts as they are.

* :func:`vocabulary_for` builds a :class:`~bot.intake.suggest.Vocabulary` from the options of the questions
  keyed ``phase`` and ``subjects`` (each option's value and label, and the parts of a label split on ``/``
  and ``&``, e.g. "Post-16 / FE" → "post-16", "post 16"). Other questions are not guessed from a post: a
  word like "teacher" would suggest a career stage nearly every time.
* :func:`fit_suggestions` keeps only suggestions for questions that exist, in the shape the question
  stores (a multi-choice question gets a list, a single choice one value), valid for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.intake.suggest import Suggestions, Vocabulary
from bot.onboarding.questions import Question
from bot.onboarding.validate import AnswerValue, check_value

PHASE_KEYS = ("phase",)
SUBJECT_KEYS = ("subjects", "subject")
_MIN_WORD = 3  # label parts shorter than this ("FE", "PE" stay as option values only) are too ambiguous


def _words(value: str, label: str) -> list[str]:
    words = {value.replace("-", " "), value, label.lower()}
    for part in re.split(r"[/&(),]", label.lower()):
        part = part.strip()
        if len(part) >= _MIN_WORD:
            words.add(part)
            words.add(part.replace("-", " "))
    return sorted(w for w in words if w)


def _options(questions: Iterable[Question], keys: tuple[str, ...]) -> dict[str, list[str]]:
    for q in questions:
        if q.key in keys and q.kind in ("single", "multi"):
            return {o.value: _words(o.value, o.label) for o in q.options}
    return {}


def vocabulary_for(questions: Iterable[Question]) -> Vocabulary:
    """Words for the phase and subject answers of these questions."""
    qs = list(questions)
    return Vocabulary(phases=_options(qs, PHASE_KEYS), subjects=_options(qs, SUBJECT_KEYS))


def fit_suggestions(questions: Iterable[Question], suggestions: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Suggestions the interview can offer as they are: known keys, the right shape, valid values."""
    by_key = {q.key: q for q in questions}
    out: dict[str, AnswerValue] = {}
    for key, raw in suggestions.items():
        q = by_key.get(key)
        if q is None and key in SUBJECT_KEYS:  # suggest() says "subjects"; a programme may say "subject"
            q = next((by_key[k] for k in SUBJECT_KEYS if k in by_key), None)
        if q is None:
            continue
        value: AnswerValue
        if q.kind == "multi":
            items = raw if isinstance(raw, list) else [raw]
            seen: list[str] = []
            for item in items:
                if isinstance(item, str) and q.option(item) and item not in seen:
                    seen.append(item)
            _, hi = q.choice_range
            value = seen[:hi]
        elif q.kind == "single":
            first = raw[0] if isinstance(raw, list) and raw else raw
            value = first if isinstance(first, str) else None
        else:
            continue
        if value not in (None, "", []) and check_value(q, value) is None:
            out[q.key] = value
    return out


def suggestions_for(text: str, questions: Iterable[Question], vocabulary: Vocabulary | None = None) -> Suggestions:
    """What ``text`` suggests for these questions, fitted (JSON-ready)."""
    from bot.intake.suggest import suggest

    qs = list(questions)
    fitted = fit_suggestions(qs, suggest(text, vocabulary or vocabulary_for(qs)))
    return {k: v for k, v in fitted.items() if isinstance(v, str | list)}
