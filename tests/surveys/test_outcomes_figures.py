"""The report's figures: nothing rests on fewer than five people; quotes only with consent; pseudonyms only."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.outcomes import WITHHELD, Answer, build_outcomes, render_outcomes_png, summary_markdown
from bot.surveys import load_survey_preset

SURVEYS = load_survey_preset("edumentoring")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def answers(people: int, *, start: int = 2, end: int = 4, quote: bool = True) -> list[Answer]:
    rows = []
    for pid in range(1, people + 1):
        role = "mentor" if pid % 2 else "mentee"
        rows.append(Answer(pid, role, "baseline", "start", "confidence", "confidence", start, None, None))
        rows.append(Answer(pid, role, "baseline", "start", "hopes", None, None, "network", None))
        rows.append(Answer(pid, role, "end", "end", "confidence", "confidence", end, None, None))
        rows.append(Answer(pid, role, "end", "end", "story", None, None, f"Story of person {pid}", quote and pid == 1))
    return rows


def outcomes(people: int, **kwargs: object):  # type: ignore[no-untyped-def]
    return build_outcomes(programme="#EduMentoring", scope="all time", generated_at=NOW, surveys=SURVEYS,
                          answers=answers(people, **kwargs), sent={"baseline": 10, "end": 10},  # type: ignore[arg-type]
                          rng=random.Random(1))


def test_four_respondents_show_nothing() -> None:
    o = outcomes(4)
    assert not o.anything_shown
    assert all(r.rate is None for r in o.rates)
    assert all(m.baseline_mean is None and m.end_mean is None for m in o.measures)
    assert o.csv_rows == [] and o.quotes == [] and all(c.counts == () for c in o.choices)
    text = summary_markdown(o)
    assert WITHHELD in text and "Story of person" not in text and "A bigger network" not in text
    assert render_outcomes_png(o).startswith(b"\x89PNG")


def test_five_respondents_show_means_rates_and_the_agreed_quote_only() -> None:
    o = outcomes(5)
    confidence = next(m for m in o.measures if m.measure == "confidence")
    assert (confidence.baseline_mean, confidence.end_mean, confidence.change) == (2.0, 4.0, 2.0)
    assert [(r.survey_key, r.rate) for r in o.rates if r.rate is not None] == [("baseline", 0.5), ("end", 0.5)]
    assert o.quotes == ["Story of person 1"]
    text = summary_markdown(o)
    assert "| Confidence (scale 1–5) | 2.0 | 4.0 | +2.0 |" in text and "> Story of person 1" in text
    assert "Story of person 2" not in text


def test_the_csv_names_nobody_and_hides_unquotable_words() -> None:
    o = outcomes(5)
    respondents = {row[0] for row in o.csv_rows}
    assert respondents == {"R01", "R02", "R03", "R04", "R05"}
    stories = [row[5] for row in o.csv_rows if row[4] == "story"]
    assert sorted(stories) == ["(not for quoting)"] * 4 + ["Story of person 1"]
    assert {row[5] for row in o.csv_rows if row[4] == "hopes"} == {"A bigger network"}
