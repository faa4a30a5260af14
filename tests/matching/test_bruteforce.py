"""The engine against an independent dense solver on many random small cohorts.

The reference scores every pair with the plain-Python rules (check_pair + breakdown), repeats each mentor
once per place, adds one "unmatched" column per mentee, and runs scipy's linear_sum_assignment with a big
bonus per matched pair (most mentees first, then the largest total score).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching import MatchingConfig, match
from bot.matching.synth import cohort
from tests.support.matching import DAY, dense_optimum

CONFIGS = [
    MatchingConfig(),
    MatchingConfig(top_k=1, full_graph_max_pairs=0),
    MatchingConfig(top_k=2, full_graph_max_pairs=0, max_timezone_gap_hours=12, different_organisation=False),
    MatchingConfig(top_k=3, full_graph_max_pairs=0, stage_rule="any"),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n_mentees=st.integers(1, 30), n_mentors=st.integers(1, 12),
       both=st.sampled_from([0.0, 0.3]), cfg=st.sampled_from(range(len(CONFIGS))))
def test_engine_matches_dense_optimum(seed: int, n_mentees: int, n_mentors: int, both: float, cfg: int) -> None:
    people = cohort(n_mentees, n_mentors, seed=seed, both_share=both, n_orgs=4)
    config = CONFIGS[cfg]
    result = match(people, config, reference_date=DAY)
    matched, total = dense_optimum(people, config)
    assert result.certified
    assert result.matched_count == matched
    assert abs(result.total_score - total) < 1e-3
