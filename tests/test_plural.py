"""Counts in messages agree with their number."""

from __future__ import annotations

from bot.plural import count, form


def test_one_is_singular_and_everything_else_plural() -> None:
    assert count(1, "pair") == "1 pair"
    assert count(0, "pair") == "0 pairs" and count(0, "pair", zero="no") == "no pairs"
    assert count(2, "match") == "2 matches" and count(3, "person") == "3 people"
    assert count(2, "reply") == "2 replies" and count(2, "day") == "2 days"
    assert form(1, "was") == "was" and form(2, "was") == "were"
