"""Engine behaviour: determinism, organisers' pairs, config overrides, custom criteria, certification."""

from __future__ import annotations

import random

import pytest

from bot.matching import CriterionConfig, MatchingConfig, check_pair, match
from bot.matching.synth import cohort
from tests.support.matching import DAY, mentor, person


def test_same_input_in_any_row_order_gives_the_same_answer() -> None:
    people = cohort(120, 50, seed=3, both_share=0.2)
    first = match(people, reference_date=DAY)
    shuffled = people[:]
    random.Random(1).shuffle(shuffled)
    again = match(shuffled, reference_date=DAY)
    assert [(p.mentor_id, p.mentee_id, p.score) for p in first.pairs] == \
        [(p.mentor_id, p.mentee_id, p.score) for p in again.pairs]
    assert first.unmatched == again.unmatched
    assert first.total_score == again.total_score


def test_forced_pair_is_kept_even_against_the_rules_and_uses_capacity() -> None:
    m = mentor("m", capacity=1)
    far = person("far", timezone="Asia/Tokyo")
    near = person("near")
    r = match([m, far, near], reference_date=DAY, forced=[("m", "far")])
    assert [(p.mentor_id, p.mentee_id, p.forced) for p in r.pairs] == [("m", "far", True)]
    assert "forced by organisers" in r.pairs[0].reasons and "apart" in r.pairs[0].reasons
    assert [u.person_id for u in r.unmatched] == ["near"]


def test_impossible_forced_pairs_are_refused() -> None:
    with pytest.raises(ValueError, match="beyond their capacity"):
        match([mentor("m"), person("a"), person("b")], reference_date=DAY, forced=[("m", "a"), ("m", "b")])
    with pytest.raises(ValueError, match="unknown id"):
        match([mentor("m")], reference_date=DAY, forced=[("m", "ghost")])


def test_forbidden_pair_is_never_made() -> None:
    r = match([mentor("m1"), mentor("m2", subjects={"art"}), person("e")], reference_date=DAY,
              forbidden=[("m1", "e")])
    assert [(p.mentor_id, p.mentee_id) for p in r.pairs] == [("m2", "e")]


def test_invalid_profiles_are_rejected_with_the_reason() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        match([mentor("m", timezone="Mars/Olympus")], reference_date=DAY)
    with pytest.raises(ValueError, match="duplicate ids"):
        match([mentor("m"), person("m")], reference_date=DAY)


def test_config_defaults_are_matching_md() -> None:
    c = MatchingConfig()
    w = c.weights
    assert (w.phase, w.subjects, w.goals, w.stage, w.availability) == (30, 25, 25, 10, 10)
    assert c.max_timezone_gap_hours == 3 and c.stage_rule == "mentor_senior" and c.different_organisation
    assert c.criteria == [] and c.max_score == 100


def test_config_overrides_change_the_rules() -> None:
    m, e = mentor("m", timezone="Asia/Dubai", organisation="X", stage="teacher"), \
        person("e", organisation="X", stage="teacher")
    assert match([m, e], reference_date=DAY).pairs == []
    loose = MatchingConfig(max_timezone_gap_hours=4, different_organisation=False, stage_rule="any")
    r = match([m, e], loose, reference_date=DAY)
    assert r.matched_count == 1 and r.pairs[0].breakdown["stage"] == 0
    heavy = MatchingConfig(weights={"phase": 0, "subjects": 100, "goals": 0, "stage": 0, "availability": 0})
    r = match([mentor("m"), person("e")], heavy, reference_date=DAY)
    assert r.pairs[0].score == pytest.approx(100)


def test_timezone_gap_is_validated() -> None:
    with pytest.raises(ValueError):
        MatchingConfig(max_timezone_gap_hours=13)


@pytest.mark.parametrize(
    ("crit", "m_extra", "e_extra", "soft", "allowed"),
    [
        ({"kind": "same_choice", "field": "language"}, {"language": "Welsh"}, {"language": "welsh"}, 1.0, True),
        ({"kind": "same_choice", "field": "language"}, {"language": "welsh"}, {"language": "english"}, 0.0, False),
        ({"kind": "overlap", "field": "hobbies"}, {"hobbies": "chess;running"}, {"hobbies": "running;art"},
         1 / 3, True),
        ({"kind": "coverage", "field": "needs", "min_coverage": 0.5}, {"needs": ["a", "b"]}, {"needs": "a;b;c"},
         2 / 3, True),
        ({"kind": "coverage", "field": "needs", "min_coverage": 0.9}, {"needs": ["a", "b"]}, {"needs": "a;b;c"},
         2 / 3, False),
        ({"kind": "ordinal_gap", "field": "level", "scale": ["low", "mid", "high"], "ideal_gap": 1, "min_gap": 1},
         {"level": "high"}, {"level": "mid"}, 1.0, True),
        ({"kind": "ordinal_gap", "field": "level", "scale": ["low", "mid", "high"], "min_gap": 1},
         {"level": "low"}, {"level": "mid"}, 0.5, False),
        ({"kind": "numeric_distance", "field": "age", "max_distance": 10}, {"age": 40}, {"age": "35"}, 0.5, True),
        ({"kind": "numeric_distance", "field": "age", "max_distance": 10}, {"age": 60}, {"age": 35}, 0.0, False),
        ({"kind": "numeric_distance", "field": "age", "max_distance": 10}, {}, {"age": 35}, 0.0, False),
    ],
)
def test_custom_criteria_soft_and_hard(crit: dict, m_extra: dict, e_extra: dict, soft: float, allowed: bool) -> None:
    m, e = mentor("m", extra=m_extra), person("e", extra=e_extra)
    soft_cfg = MatchingConfig(criteria=[CriterionConfig(name="c", weight=20, **crit)])
    r = match([m, e], soft_cfg, reference_date=DAY)
    assert r.pairs[0].breakdown["c"] == pytest.approx(20 * soft)
    hard_cfg = MatchingConfig(criteria=[CriterionConfig(name="c", hard=True, **crit)])
    r = match([m, e], hard_cfg, reference_date=DAY)
    assert (r.matched_count == 1) is allowed
    assert (check_pair(m, e, hard_cfg, DAY) == []) is allowed
    if not allowed:
        assert "fits 'c'" in r.unmatched[0].reason


def test_pruned_candidates_are_certified_optimal_like_the_full_graph() -> None:
    people = cohort(300, 120, seed=11, both_share=0.1)
    full = match(people, reference_date=DAY)
    pruned = match(people, MatchingConfig(top_k=2, full_graph_max_pairs=0), reference_date=DAY)
    assert full.stats["full_graph"] == 1 and pruned.stats["full_graph"] == 0
    assert pruned.certified and pruned.stats["violators_added"] > 0
    assert pruned.matched_count == full.matched_count
    assert pruned.total_score == pytest.approx(full.total_score, abs=1e-3)


def test_result_reports_timings_and_stats() -> None:
    r = match(cohort(50, 20, seed=1), reference_date=DAY)
    assert {"candidates", "solve", "certify", "total"} <= set(r.timings)
    assert r.stats["matched"] == r.matched_count and r.stats["mentees"] >= r.matched_count
