"""Validate one answer against its question. Never raises on user input; every refusal says what is expected.

What each kind accepts (``raw`` is a button/select value, a list of select values, or typed text):

* ``single`` — an option value or label (any case), or its number in the list ("2"). Stored: the value (str).
* ``multi`` — a list of values, or typed text split on commas/semicolons/"and"/new lines. Stored: list of
  values in option order, without repeats.
* ``number`` — a whole number in range ("3", "three", "3 mentees"). Stored: int (None if skipped).
* ``timezone`` — anything :func:`bot.timezones.parse_timezone` understands, or the number of an offered
  choice. Stored: IANA name.
* ``text`` — cleaned (see :mod:`.safe_text`), at most ``max_length`` characters. Stored: str ("" if skipped).
* ``consent`` — yes/no words or buttons. Stored: bool.

Optional questions (``required = false``) also accept "", "skip", "none" or "-".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.onboarding.questions import Question
from bot.onboarding.safe_text import clean_input, safe_text
from bot.timezones import Ambiguous, Exact, describe_zone, is_valid_zone, parse_timezone
from bot.voice import AnswerWords

AnswerValue = str | int | bool | list[str] | None
Raw = str | list[str]

MAX_RAW = 2000
NEUTRAL = AnswerWords()
SKIP_WORDS = frozenset({"", "skip", "none", "-", "n/a", "na", "no answer", "pass"})
YES = frozenset({"yes", "y", "yeah", "yep", "yup", "agree", "i agree", "ok", "okay", "sure", "true", "accept",
                 "i accept", "consent", "i consent", "yes please", "✅", "👍", "✔", "✔️"})
NO = frozenset({"no", "n", "nope", "nah", "disagree", "i disagree", "false", "decline", "i decline",
                "do not agree", "i do not agree", "don't agree", "i don't agree", "no thanks", "❌", "👎"})
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_SPLIT_LIST = re.compile(r"\s*[,;\n]\s*")
_SPLIT_WORDS = re.compile(r"\s*(?:[/+&]|\band\b)\s*")


@dataclass(frozen=True)
class Ok:
    value: AnswerValue
    note: str | None = None  # e.g. how a time zone was understood


@dataclass(frozen=True)
class Invalid:
    message: str


@dataclass(frozen=True)
class Choose:
    """The answer could mean several things; offer ``choices`` (IANA zones) and ask again."""

    choices: list[str]
    message: str


ParseResult = Ok | Invalid | Choose


def expectation(q: Question, words: AnswerWords = NEUTRAL) -> str:
    """One sentence that says what a valid answer looks like (in the programme's ``words``)."""
    if q.kind == "single":
        return words.say("pick_one", options=_labels(q, words))
    if q.kind == "multi":
        lo, hi = q.choice_range
        options = _labels(q, words)
        if lo == hi:
            return words.say("pick_exactly_one", options=options) if lo == 1 else \
                words.say("pick_exactly", count=lo, options=options)
        if lo <= 1 and hi == len(q.options):
            return words.say("pick_at_least_one" if lo == 1 else "pick_any", options=options)
        if lo == 0:
            return words.say("pick_up_to", count=hi, options=options)
        return words.say("pick_between", low=lo, high=hi, options=options)
    if q.kind == "number":
        return words.say("number_range", low=q.min_value, high=q.max_value)
    if q.kind == "timezone":
        return words.timezone_hint
    if q.kind == "text":
        return words.say("text_length", count=q.max_length)
    return words.yes_or_no


def _labels(q: Question, words: AnswerWords = NEUTRAL) -> str:
    text = ", ".join(o.label for o in q.options)
    return text if len(text) <= 600 else words.options_in_menu


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", clean_input(text)).casefold().strip(" .!?'\"")


def _match_option(q: Question, text: str, *, allow_index: bool) -> str | None:
    k = _key(text)
    for o in q.options:
        if k == o.value or k == o.label.casefold() or k == o.value.replace("-", " "):
            return o.value
    if allow_index and k.isascii() and k.isdigit() and 1 <= int(k) <= len(q.options):
        return q.options[int(k) - 1].value
    return None


def _skipped(q: Question, raw: Raw) -> bool:
    if isinstance(raw, list):
        return not raw
    return _key(raw) in SKIP_WORDS


def parse_answer(q: Question, raw: object, *, pending: list[str] | None = None, today: date | None = None,
                 words: AnswerWords = NEUTRAL) -> ParseResult:
    """Turn ``raw`` into a stored value, or say what is expected (in the programme's ``words``). ``pending``:
    time-zone choices offered."""
    if isinstance(raw, tuple):
        raw = list(raw)
    if not (isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(x, str) for x in raw))):
        return Invalid(expectation(q, words))
    if (len(raw) if isinstance(raw, str) else sum(len(x) for x in raw)) > max(MAX_RAW, q.max_length * 2):
        return Invalid(words.too_long + " " + expectation(q, words))
    if isinstance(raw, list) and len(raw) > 50:
        return Invalid(expectation(q, words))
    if q.kind not in ("text", "consent") and _skipped(q, raw):
        if not q.required or (q.kind == "multi" and q.choice_range[0] == 0):
            return Ok([] if q.kind == "multi" else None)
        return Invalid(words.cant_skip + " " + expectation(q, words))
    if q.kind == "single":
        return _single(q, raw, words)
    if q.kind == "multi":
        return _multi(q, raw, words)
    text = raw if isinstance(raw, str) else (raw[0] if len(raw) == 1 else None)
    if text is None:
        return Invalid(expectation(q, words))
    if q.kind == "number":
        return _number(q, text, words)
    if q.kind == "timezone":
        return _timezone(q, text, pending or [], today, words)
    if q.kind == "text":
        return _text(q, text, words)
    return _consent(q, text, words)


def _single(q: Question, raw: Raw, words: AnswerWords) -> ParseResult:
    if isinstance(raw, list):
        if len(raw) != 1:
            return Invalid(words.just_one + " " + expectation(q, words))
        raw = raw[0]
    value = _match_option(q, raw, allow_index=True)
    return Ok(value) if value is not None else Invalid(expectation(q, words))


def _multi(q: Question, raw: Raw, words: AnswerWords) -> ParseResult:
    items = list(raw) if isinstance(raw, list) else [raw]
    chosen: set[str] = set()
    unknown: list[str] = []
    for item in items:
        whole = _match_option(q, item, allow_index=False)
        if whole is not None:
            chosen.add(whole)
            continue
        for piece in _SPLIT_LIST.split(clean_input(item, one_line=False)):
            if not piece.strip():
                continue
            value = _match_option(q, piece, allow_index=True)
            if value is not None:
                chosen.add(value)
                continue
            for part in _SPLIT_WORDS.split(piece):
                if not part.strip():
                    continue
                value = _match_option(q, part, allow_index=True)
                if value is None:
                    unknown.append(part.strip())
                else:
                    chosen.add(value)
    if unknown:
        shown = ", ".join(f"'{safe_text(u, 40)}'" for u in unknown[:3])
        return Invalid(words.say("not_recognised", answer=shown) + " " + expectation(q, words))
    lo, hi = q.choice_range
    if not lo <= len(chosen) <= hi:
        return Invalid(expectation(q, words))
    return Ok([o.value for o in q.options if o.value in chosen])


def _number(q: Question, text: str, words: AnswerWords) -> ParseResult:
    k = _key(text)
    numbers = re.findall(r"[-+]?\d+(?:[.,]\d+)?", k)
    spelled = [_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", k) if w in _NUMBER_WORDS]
    value: int | None = None
    if len(numbers) == 1 and not spelled and re.fullmatch(r"[-+]?\d+", numbers[0]):
        value = int(numbers[0])
    elif not numbers and len(spelled) == 1:
        value = spelled[0]
    if value is None or q.min_value is None or q.max_value is None:
        return Invalid(expectation(q, words))
    if not q.min_value <= value <= q.max_value:
        bound = words.say("above_most", answer=value, count=q.max_value) if value > q.max_value \
            else words.say("below_fewest", answer=value, count=q.min_value)
        return Invalid(f"{bound} {expectation(q, words)}")
    return Ok(value)


def _timezone(q: Question, text: str, pending: list[str], today: date | None, words: AnswerWords) -> ParseResult:
    text = clean_input(text)
    if pending:
        k = _key(text)
        if k.isascii() and k.isdigit() and 1 <= int(k) <= len(pending):
            zone = pending[int(k) - 1]
            return Ok(zone, describe_zone(zone, today))
    if "/" in text and is_valid_zone(text) and text.strip() == text and text[0].isupper():
        return Ok(text, describe_zone(text, today))
    result = parse_timezone(text)
    if isinstance(result, Exact):
        return Ok(result.zone, describe_zone(result.zone, today))
    if isinstance(result, Ambiguous):
        said = words.say("zone_ambiguous", answer=result.matched) if result.matched else words.zone_ambiguous_plain
        return Choose(list(result.choices), said)
    return Invalid(words.zone_unknown + " " + expectation(q, words))


def _text(q: Question, text: str, words: AnswerWords) -> ParseResult:
    cleaned = clean_input(text, one_line=q.max_length <= 200)
    if not cleaned or (not q.required and _key(cleaned) in {"skip", "-"}):
        if q.required:
            return Invalid(words.type_an_answer + " " + expectation(q, words))
        return Ok("")
    if len(cleaned) > q.max_length:
        return Invalid(words.say("keep_short", count=q.max_length, length=len(cleaned)))
    return Ok(cleaned)


def _consent(q: Question, text: str, words: AnswerWords) -> ParseResult:
    k = _key(text)
    if k in YES:
        return Ok(True)
    if k in NO:
        return Ok(False)
    return Invalid(expectation(q, words))


def check_value(q: Question, value: object) -> str | None:
    """Why a stored value is not valid for ``q`` (None if it is). Used to re-check whole profiles."""
    label = q.display_label
    if value is None or value == "" or value == []:
        if q.kind == "consent":
            return f"{label}: not answered"
        if q.required and not (q.kind == "multi" and q.choice_range[0] == 0):
            return f"{label}: not answered"
        return None
    if q.kind == "single":
        return None if isinstance(value, str) and q.option(value) else f"{label}: not one of the options"
    if q.kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) and q.option(v) for v in value):
            return f"{label}: not a list of the options"
        lo, hi = q.choice_range
        ok = lo <= len(set(value)) <= hi and len(set(value)) == len(value)
        return None if ok else f"{label}: needs between {lo} and {hi} options"
    if q.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{label}: not a whole number"
        assert q.min_value is not None and q.max_value is not None
        return None if q.min_value <= value <= q.max_value else f"{label}: out of range"
    if q.kind == "timezone":
        return None if isinstance(value, str) and is_valid_zone(value) else f"{label}: not a time zone"
    if q.kind == "text":
        ok = isinstance(value, str) and len(value) <= q.max_length and clean_input(value, one_line=False) == value
        return None if ok else f"{label}: text too long or not cleaned"
    return None if isinstance(value, bool) else f"{label}: not yes or no"


def canonical_raw(q: Question, value: AnswerValue) -> Raw:
    """A raw answer that :func:`parse_answer` maps back to ``value`` (to offer a suggestion as a button)."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return str(value)


def show_value(q: Question, value: AnswerValue, today: date | None = None) -> str:
    """How an answer reads to a person: option labels, "Yes"/"No", "—" for empty. Not escaped."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join((o.label if (o := q.option(v)) else v) for v in value)
    if q.kind == "single" and isinstance(value, str):
        o = q.option(value)
        return o.label if o else value
    if q.kind == "timezone" and isinstance(value, str) and is_valid_zone(value):
        return describe_zone(value, today)
    return str(value)
