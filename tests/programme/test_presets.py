"""Programmes as data: each preset's own criteria, its typed profile, and the export → offline match trip."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.demo.population import make_population
from bot.matching.cli import run_match_cli
from bot.matching.config import MatchingConfig
from bot.matching.engine import match
from bot.matching.synth import cohort
from bot.onboarding.questions import QuestionsConfig
from bot.onboarding.validate import Choose, Ok, parse_answer
from bot.programme import MatchingDeclaration, Rule, build_spec, preset_spec
from bot.programme.profile import ProgrammeSpec
from bot.services.profile_csv import write_csv

DAY = date(2026, 11, 24)


def _without_labels(cfg: MatchingConfig) -> dict[str, Any]:
    return cfg.model_dump(exclude={"labels", "term_labels"})


def test_edumentoring_preset_is_exactly_matching_md() -> None:
    spec = preset_spec("edumentoring")
    assert _without_labels(spec.matching) == _without_labels(MatchingConfig())
    assert spec.columns == ("id", "name", "role", "phase", "subjects", "stage", "timezone", "availability",
                            "goals", "capacity", "organisation", "previous")
    people = cohort(60, 30, seed=5, both_share=0.2)
    ours, default = match(people, spec.matching, reference_date=DAY), match(people, reference_date=DAY)
    assert [(p.mentor_id, p.mentee_id, p.score) for p in ours.pairs] == \
        [(p.mentor_id, p.mentee_id, p.score) for p in default.pairs]


@pytest.mark.parametrize("preset", ["edumentoring", "libraries", "runtogether"])
def test_export_then_offline_match_gives_the_same_pairs(preset: str, tmp_path: Path) -> None:
    spec = preset_spec(preset)
    population = make_population(list(spec.questions), 40, seed=7)
    rows = [(str(100 + i), p.name, _stored(spec, p.answers)) for i, p in enumerate(population)]
    online = match([spec.person(a, person_id=pid, name=n) for pid, n, a in rows], spec.matching,
                   reference_date=DAY)
    assert online.pairs, "the cohort should give some pairs"
    export = tmp_path / "people.csv"
    export.write_text(write_csv(spec.columns, [spec.record(a, person_id=pid, name=n) for pid, n, a in rows]),
                      encoding="utf-8")
    out = tmp_path / "matches.csv"
    console = Console(record=True, width=200)
    assert run_match_cli(export, out, DAY, None, True, console, preset) == 0, console.export_text()
    offline = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["mentor_id"], r["mentee_id"]) for r in offline] == [(p.mentor_id, p.mentee_id) for p in online.pairs]


def _stored(spec: ProgrammeSpec, typed: dict[str, Any]) -> dict[str, Any]:
    """What onboarding stores for a demo person's typed answers."""
    out: dict[str, Any] = {}
    for q in spec.questions:
        if q.key not in typed:
            continue
        raw = typed[q.key]
        parsed = parse_answer(q, raw if isinstance(raw, str | list) else str(raw).lower())
        if isinstance(parsed, Choose):
            parsed = parse_answer(q, "1", pending=parsed.choices)
        assert isinstance(parsed, Ok), (q.key, raw, parsed)
        out[q.key] = parsed.value
    return out


def test_libraries_levels_and_reasons_are_in_the_schemes_own_words() -> None:
    spec = preset_spec("libraries")
    assert spec.matching.stage_scale[:2] == ["emerging-leader", "head-of-service"]
    base = {"role": "mentor", "level": "director", "nation": "wales", "service_area": ["children"],
            "goals": ["budgeting", "councillors"], "timezone": "Europe/London", "availability": ["weekday-daytime"],
            "capacity": 1, "organisation": "Powys Libraries"}
    mentee = {**base, "role": "mentee", "level": "emerging-leader", "goals": ["councillors", "reflection"],
              "organisation": "Cardiff Libraries"}
    result = match([spec.person(base, person_id="m"), spec.person(mentee, person_id="e")], spec.matching,
                   reference_date=DAY)
    (pair,) = result.pairs
    assert "Director / Chief Executive mentoring Emerging Leader" in pair.reasons
    assert "Working with councillors" in pair.reasons and "Children & young people" in pair.reasons
    same_authority = {**mentee, "organisation": "Powys Libraries"}
    blocked = match([spec.person(base, person_id="m"), spec.person(same_authority, person_id="e")], spec.matching,
                    reference_date=DAY)
    assert not blocked.pairs and "outside Powys Libraries" in blocked.unmatched[0].reason
    junior_mentor = {**base, "level": "emerging-leader"}
    senior_mentee = {**mentee, "level": "head-of-service"}
    assert not match([spec.person(junior_mentor, person_id="m"), spec.person(senior_mentee, person_id="e")],
                     spec.matching, reference_date=DAY).pairs


def test_libraries_export_rows_outside_the_four_nations_are_refused_kindly() -> None:
    spec = preset_spec("libraries")
    answers = {"role": "mentee", "level": "head-of-service", "nation": "scotland", "service_area": ["children"],
               "goals": ["budgeting"], "timezone": "Europe/London", "availability": ["weekends"],
               "organisation": "Glasgow Libraries"}
    text = write_csv(spec.columns, [spec.record(answers, person_id="1", name="Isla")])
    people, errors = spec.read_csv(text)
    assert people == [] and "not eligible" in errors[0].reason and "Crown Dependencies" in errors[0].reason


def _runner(pid: str, role: str, region: str, goals: list[str], experience: str = "coach") -> tuple[str, dict[str, Any]]:
    return pid, {"role": role, "experience": experience if role == "mentor" else "not-yet", "group_size": "10-25",
                 "location": region, "pace": ["steady"], "goals": goals, "timezone": "Europe/London",
                 "availability": ["weekends"], "capacity": 1, "organisation": f"club {pid}"}


# Each mentor's goals fit the mentee of the *other* region best: a score-only matcher pairs across regions.
COHORT = [
    _runner("m-ne", "mentor", "north-east", ["routes", "safety", "recruiting"]),
    _runner("m-sw", "mentor", "south-west", ["confidence", "inclusion", "motivation"]),
    _runner("e-ne", "mentee", "north-east", ["confidence", "inclusion", "motivation"]),
    _runner("e-sw", "mentee", "south-west", ["routes", "safety", "recruiting"]),
]


def test_runtogether_cohort_is_matched_region_first() -> None:
    spec = preset_spec("runtogether")
    people = [spec.person(a, person_id=pid) for pid, a in COHORT]
    weighted = match(people, spec.matching, reference_date=DAY)
    assert {(p.mentor_id, p.mentee_id) for p in weighted.pairs} == {("m-ne", "e-ne"), ("m-sw", "e-sw")}
    assert all("both North East" in p.reasons or "both South West" in p.reasons for p in weighted.pairs)


def test_runtogether_region_as_a_hard_rule_never_pairs_across_regions() -> None:
    preset = preset_spec("runtogether")
    decl = MatchingDeclaration.model_validate(
        {**MatchingDeclaration.model_validate(preset_declaration_dict()).model_dump(),
         "rules": [*preset_declaration_dict()["rules"], Rule(kind="same_value", question="location").model_dump()]})
    spec = build_spec(QuestionsConfig(preset="runtogether"), decl)
    cohort_ = [*COHORT[:3], _runner("e-ln", "mentee", "london", ["routes", "safety", "recruiting"])]
    people = [spec.person(a, person_id=pid) for pid, a in cohort_]
    result = match(people, spec.matching, reference_date=DAY)
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [("m-ne", "e-ne")]
    assert {u.person_id for u in result.unmatched} == {"e-ln"}
    assert "fits 'region' (London)" in result.unmatched[0].reason
    assert preset.matching.criteria[0].hard is False  # the preset itself weighs region, a config can require it


def preset_declaration_dict() -> dict[str, Any]:
    from bot.programme import preset_declaration

    return preset_declaration("runtogether").model_dump()
