"""The demo, checked from its report alone, for several seeds and all three programmes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rich.console import Console

from bot.demo import run_demo
from bot.demo.checks import check_report
from bot.demo.review import review_transcript
from tests.support.world import TEST_WINDOW_SCALE

pytestmark = pytest.mark.slow  # the demo runs on its own SQLite file: not repeated on PostgreSQL


async def _run(tmp_path: Path, programme: str, seed: int, people: int) -> dict[str, object]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    report = tmp_path / "report.json"
    level_before = logging.getLogger().level
    code = await run_demo(seed=seed, people=people, programme=programme, report=report, out_dir=tmp_path / "out",
                          console=Console(file=open(tmp_path / "console.txt", "w"), width=120),
                          window_scale=TEST_WINDOW_SCALE)  # Discord's buckets, a tenth of the waiting
    assert code == 0
    assert logging.getLogger().level == level_before  # the demo leaves its caller's logging as it found it
    transcript = (tmp_path / "out" / "transcript.md").read_text(encoding="utf-8")
    assert len(transcript) > 1000
    assert review_transcript(transcript, programme) == []  # what a reviewer of the transcript would flag
    assert (tmp_path / "out" / "stats.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = (tmp_path / "console.txt").read_text(encoding="utf-8")  # not a terminal: progress lines as it goes
    assert "joining and interviews · sandbox time" in shown and "matching (first round)" in shown, shown[:500]
    assert (tmp_path / "out" / "outcomes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("programme", "seed", "people"), [("edumentoring", 1, 24), ("libraries", 2, 16), ("runtogether", 3, 16)]
)
async def test_a_demo_run_keeps_every_promise(tmp_path: Path, programme: str, seed: int, people: int) -> None:
    report = await _run(tmp_path, programme, seed, people)
    assert check_report(report) == []
    persons = report["people"]
    assert isinstance(persons, list) and len(persons) == people
    assert any(p["status"] == "active" for p in persons)
    assert report["matches"], "somebody was matched"
    outcomes = report["outcomes"]
    assert isinstance(outcomes, dict)  # baseline and end surveys went out and were answered; the report was made
    assert outcomes["surveys_sent"]["baseline"] > 0 and outcomes["surveys_sent"]["end"] > 0
    assert outcomes["survey_respondents"] > 0 and "confidence" in outcomes["measures"]
    left = [p for p in persons if p["status"] == "left"]
    assert all(p["profile"] is None for p in left)
    outcomes = report["outcomes"]  # goals set at introduction, progress in check-ins, one story shared
    assert isinstance(outcomes, dict)
    assert 0 < outcomes["pairs_with_goals"] <= len(report["matches"]) and outcomes["goals_set"] >= outcomes["pairs_with_goals"]
    assert sum(outcomes["goal_progress"].values()) == outcomes["goals_set"] and outcomes["goals_achieved"] > 0
    assert outcomes["stories_posted"] == 1
    if programme == "runtogether":  # mentors with several leaders: one check-in per moment, each pairing in it
        batched = report["batched_checkins"]
        assert isinstance(batched, dict) and batched["messages"] > 0 and batched["pairings"] > batched["messages"]
    if programme == "runtogether":  # the mentors' development day was scheduled, reminded, held and rated
        (event,) = report["events"]  # type: ignore[misc]
        assert event["status"] == "ended" and sum(event["reminders_sent"].values()) > 0
        assert event["start_links_sent"] > 0 and 0 < event["feedback_questions_sent"] <= event["attended"]


async def test_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    first = await _run(tmp_path / "a", "edumentoring", 5, 12)
    second = await _run(tmp_path / "b", "edumentoring", 5, 12)

    def shape(r: dict[str, object]) -> object:
        people = r["people"]
        matches = r["matches"]
        assert isinstance(people, list) and isinstance(matches, list)
        return ([(p["id"], p["status"], p["profile"]) for p in people],
                [(m["mentor"], m["mentee"], m["score"], m["status"]) for m in matches])

    assert shape(first) == shape(second)
