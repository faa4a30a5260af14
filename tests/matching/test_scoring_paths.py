"""The fast block scorer (one matrix product + one table look-up per pair) and its fallbacks give the
same optimum as the independent dense solver, with custom weights, custom criteria and relaxed rules."""

from __future__ import annotations

import pytest

from bot.matching import CriterionConfig, MatchingConfig, fastscore, match
from bot.matching.model import Person
from bot.matching.synth import cohort
from tests.support.matching import DAY, dense_optimum

CONFIGS = [
    MatchingConfig(weights={"phase": 7, "subjects": 0, "goals": 41.5, "stage": 3, "availability": 0},
                   top_k=2, full_graph_max_pairs=0),
    MatchingConfig(require_shared_availability=False, stage_rule="mentor_senior_or_equal", top_k=1,
                   full_graph_max_pairs=0),
    MatchingConfig(criteria=[CriterionConfig(name="lang", field="language", kind="same_choice", weight=12.5),
                             CriterionConfig(name="age", field="age", kind="numeric_distance", hard=True,
                                             max_distance=15)],
                   top_k=2, full_graph_max_pairs=0, max_timezone_gap_hours=12),
]


def _with_extras(seed: int) -> list[Person]:
    people = cohort(30, 12, seed=seed, both_share=0.3, n_orgs=3)
    for k, p in enumerate(people):
        p.extra.update({"language": ("welsh", "english", "")[(k + seed) % 3], "age": 25 + (k * 7 + seed) % 40})
    return people


@pytest.mark.parametrize("path", ["fast", "dense-organisation", "generic"])
@pytest.mark.parametrize("cfg", range(len(CONFIGS)))
def test_every_scoring_path_reaches_the_dense_optimum(path: str, cfg: int, monkeypatch: pytest.MonkeyPatch) -> None:
    if path == "dense-organisation":
        monkeypatch.setattr(fastscore, "MAX_SPARSE_BARRED", 0)
    if path == "generic":
        monkeypatch.setattr(fastscore, "MAX_TABLE", 0)
    for seed in range(4):
        people = _with_extras(seed)
        result = match(people, CONFIGS[cfg], reference_date=DAY)
        matched, total = dense_optimum(people, CONFIGS[cfg])
        assert result.certified
        assert result.matched_count == matched
        assert abs(result.total_score - total) < 1e-3
