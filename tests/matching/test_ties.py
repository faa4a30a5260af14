"""Ties broken by id: equal-score alternatives always resolve the same way, whatever the row order."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from bot.matching import MatchingConfig, match
from bot.matching.model import Person
from bot.matching.synth import cohort
from tests.support.matching import DAY, mentor, person

PRUNED = MatchingConfig(top_k=1, full_graph_max_pairs=0)


def _pairs(people: list[Person], config: MatchingConfig = MatchingConfig()) -> list[tuple[str, str]]:
    return [(p.mentor_id, p.mentee_id) for p in match(people, config, reference_date=DAY).pairs]


@pytest.mark.parametrize("config", [MatchingConfig(), PRUNED], ids=["full-graph", "pruned"])
def test_two_mentors_exactly_tied_for_one_mentee_the_lower_id_wins_in_any_row_order(config: MatchingConfig) -> None:
    people = [mentor("m-2"), mentor("m-1"), mentor("m-3"), person("e")]
    for seed in range(6):
        random.Random(seed).shuffle(people)
        assert _pairs(people, config) == [("m-1", "e")]


@pytest.mark.parametrize("config", [MatchingConfig(), PRUNED], ids=["full-graph", "pruned"])
def test_a_mentor_with_one_place_takes_the_lower_id_of_two_tied_mentees(config: MatchingConfig) -> None:
    people = [person("e-b"), mentor("m", capacity=1), person("e-a")]
    for seed in range(4):
        random.Random(seed).shuffle(people)
        r = match(people, config, reference_date=DAY)
        assert [(p.mentor_id, p.mentee_id) for p in r.pairs] == [("m", "e-a")]
        assert [u.person_id for u in r.unmatched] == ["e-b"]


def test_tied_mentors_and_mentees_are_paired_in_id_order() -> None:
    people = [mentor("m-b", capacity=1), mentor("m-a", capacity=1), person("e-b"), person("e-a")]
    assert _pairs(people) == [("m-a", "e-a"), ("m-b", "e-b")]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_cohort_full_of_ties_gets_the_same_pairs_with_pruned_candidates_and_shuffled_rows(seed: int) -> None:
    # every profile twice under two ids: many optimal assignments share the best score
    people = [replace(p, id=f"{p.id}-{c}", previous=frozenset())
              for p in cohort(40, 15, seed=seed, n_orgs=50) for c in range(2)]
    full = _pairs(people)
    shuffled = people[:]
    random.Random(seed).shuffle(shuffled)
    assert _pairs(shuffled, PRUNED) == full
    assert _pairs(shuffled, MatchingConfig(top_k=2, full_graph_max_pairs=0)) == full
