"""A batched check-in's layout stays within Discord's limits whatever the number of pairings."""

from __future__ import annotations

import pytest

from bot.nudges.batch import MAX_ROWS, CheckinSection, page_of, pages, render
from bot.services.nudges import markers_in


def _sections(n: int, rows: int = 1) -> list[CheckinSection]:
    return [CheckinSection(100 + i, f"Leader {i:02d} " + "x" * 48, 10**18 + i, 3, rows=rows) for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 5, 6, 12, 40])
def test_every_page_fits_five_rows_and_every_pairing_is_on_exactly_one(n: int) -> None:
    split = pages(_sections(n))
    assert [s.nudge_id for page in split for s in page] == [s.nudge_id for s in _sections(n)]
    for page in split:
        assert sum(s.rows for s in page) + (1 if len(split) > 1 else 0) <= MAX_ROWS
    assert len(split) == (1 if n <= 5 else -(-n // 4))


def test_a_pairing_with_extra_components_takes_its_rows_on_one_page() -> None:
    split = pages(_sections(5, rows=2))  # e.g. an answer select and a goal-progress row per pairing
    assert [len(p) for p in split] == [2, 2, 1]
    assert page_of(_sections(5, rows=2), 104) == 2


def test_the_content_fits_and_carries_every_marker_even_with_many_long_names() -> None:
    sections = _sections(60)
    text = render("Hi Nell, your check-in with your 60 run leaders.", sections)
    assert len(text) <= 2000
    assert markers_in(text) == {s.nudge_id for s in sections}
    assert "more below" in text
