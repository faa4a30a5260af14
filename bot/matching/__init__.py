"""Matching engine (no discord import): the default rule of shared/MATCHING.md, configurable per programme.

Public API: :func:`match`, :func:`check_pair`, :func:`solve_in_worker`, :class:`MatchingConfig`,
:class:`CriterionConfig`, :class:`Person`, :class:`MatchResult`, :class:`Pair`, :class:`Unmatched`, CSV helpers in
:mod:`bot.matching.csvio`, :func:`bot.matching.cli.run_match_cli`, :func:`bot.matching.bench.bench_matching`.
"""

from bot.matching.config import CriterionConfig, MatchingConfig, ScoreWeights
from bot.matching.engine import check_pair, match
from bot.matching.model import MatchResult, Pair, Person, Unmatched
from bot.matching.worker import solve_in_worker

__all__ = [
    "CriterionConfig", "MatchResult", "MatchingConfig", "Pair", "Person", "ScoreWeights", "Unmatched",
    "check_pair", "match", "solve_in_worker",
]
