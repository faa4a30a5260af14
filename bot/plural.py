"""Counting in words: "1 pair", "2 pairs", "no pairs" — one place so no message says "1 pairs" or "pair(s)"."""

from __future__ import annotations

IRREGULAR = {"person": "people", "match": "matches", "reply": "replies", "was": "were", "is": "are",
             "has": "have", "it": "they", "entry": "entries", "row was": "rows were"}


def plural_of(noun: str) -> str:
    if noun in IRREGULAR:
        return IRREGULAR[noun]
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def form(n: int, noun: str, many: str | None = None) -> str:
    """The word alone, agreeing with ``n``: form(1, "pair") == "pair", form(3, "pair") == "pairs"."""
    return noun if n == 1 else (many or plural_of(noun))


def count(n: int, noun: str, many: str | None = None, *, zero: str | None = None) -> str:
    """``n`` and its noun: count(1, "pair") == "1 pair", count(0, "pair", zero="no") == "no pairs"."""
    number = zero if n == 0 and zero is not None else str(n)
    return f"{number} {form(n, noun, many)}"


__all__ = ["count", "form", "plural_of"]
