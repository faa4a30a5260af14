"""Matching engine (no discord import): the default rule of shared/MATCHING.md, configurable per programme.

Public API: :func:`match`, :func:`check_pair`, :func:`solve_in_worker`, :class:`MatchingConfig`,
:class:`CriterionConfig`, :class:`Person`, :class:`MatchResult`, :class:`Pair`, :class:`Unmatched`, CSV helpers in
:mod:`bot.matching.csvio`, :func:`bot.matching.cli.run_match_cli`, :func:`bot.matching.bench.bench_matching`.

Names are imported when first used (:func:`bot.lazy_exports.lazy_exports`): reading a config needs its
``config`` module, not every module of the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from bot.matching.config import (
        CriterionConfig,
        MatchingConfig,
        ScoreWeights,
    )
    from bot.matching.engine import (
        check_pair,
        match,
    )
    from bot.matching.model import (
        MatchResult,
        Pair,
        Person,
        Unmatched,
    )
    from bot.matching.worker import (
        solve_in_worker,
    )

__getattr__ = lazy_exports(__name__, {
    "bot.matching.config": ("CriterionConfig", "MatchingConfig", "ScoreWeights"),
    "bot.matching.engine": ("check_pair", "match"),
    "bot.matching.model": ("MatchResult", "Pair", "Person", "Unmatched"),
    "bot.matching.worker": ("solve_in_worker",),
})

__all__ = [
    "CriterionConfig", "MatchResult", "MatchingConfig", "Pair", "Person", "ScoreWeights", "Unmatched",
    "check_pair", "match", "solve_in_worker",
]
