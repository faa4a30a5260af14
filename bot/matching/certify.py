"""Prove the flow optimal over *all* allowed pairs, not only the candidate edges.

A pair (i, j) left out of the graph could improve the solution only if its reduced cost against the dual
prices is negative, i.e. its integer score w exceeds ``slack = A_i + B_j − BIG``. Every non-candidate pair
has ``w ≤ min(kth(i), kth(j))`` (it is in neither side's top-k), so a pair is cleared without being scored
when ``slack ≥ min(kth(i), kth(j))``.

Within a group of mentors (one block family of :mod:`bot.matching.candidates`) the mentees are sorted by
their price ``B_j``: the pairs of mentor i that its own bound does not clear are a prefix of that order
(``B_j < kth(i) − A_i``), so only prefixes are looked at, never the whole group. Pairs that survive the
mentee's bound too are scored exactly (:class:`bot.matching.fastscore.BlockScorer`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from bot.matching.blas import single_threaded_blas
from bot.matching.candidates import BLOCK_PAIRS, Candidates, Group, iter_groups
from bot.matching.encode import Encoded
from bot.matching.fastscore import BlockScorer
from bot.matching.flow import FlowSolution
from bot.matching.scoring import I64

NONE_PRUNED = -(1 << 60)


@dataclass
class Found:
    """Non-candidate pairs with ``w > slack − margin``; ``gap = w − slack`` (> 0: a violation)."""

    em: I64
    ee: I64
    w: I64
    gap: I64
    scored: int

    @property
    def violations(self) -> int:
        return int(np.count_nonzero(self.gap > 0))


def near_pairs(
    enc: Encoded, cand: Candidates, sol: FlowSolution, scorer: BlockScorer, margin: int = 0, threads: int = 2
) -> Found:
    """Every allowed non-candidate pair whose reduced cost is below ``margin`` (score units).

    ``margin = 1`` also returns the pairs with a zero reduced cost (tight pairs), which optimal solutions
    may use; ``margin = 0`` returns only the violations.
    """
    z = np.zeros(0, np.int64)
    if cand.full:
        return Found(z, z, z, z, 0)
    a = sol.mentor_price - sol.big - margin  # pairs of interest: w > a_i + b_j
    b = sol.mentee_price
    # a node whose allowed pairs are all candidates has no pruned pair: its bound is −∞
    sk = np.where(cand.mentor_kth < 0, NONE_PRUNED, cand.mentor_kth)
    tk = np.where(cand.mentee_kth < 0, NONE_PRUNED, cand.mentee_kth)
    edge_codes = cand.em * enc.n_mentees + cand.ee  # sorted (mentor-major)
    groups = sorted(iter_groups(enc), key=lambda g: -g.pairs)
    shares = [groups[i::threads] for i in range(max(1, threads))]
    with ThreadPoolExecutor(len(shares)) as pool:
        parts = list(pool.map(lambda share: _scan(scorer, share, a, b, sk, tk, edge_codes), shares))
    em, ee, w = (np.concatenate([p[i] for p in parts] or [z]) for i in range(3))
    gap = w - (a[em] + b[ee]) + margin
    return Found(em, ee, w, gap, sum(p[3] for p in parts))


def _scan(
    scorer: BlockScorer, groups: list[Group], a: I64, b: I64, sk: I64, tk: I64, edge_codes: I64
) -> tuple[I64, I64, I64, int]:  # (mentors, mentees, scores, pairs scored)
    with single_threaded_blas():
        out = [_scan_group(scorer, g, a, b, sk, tk, edge_codes) for g in groups]
    z = np.zeros(0, np.int64)
    return (np.concatenate([o[0] for o in out] or [z]), np.concatenate([o[1] for o in out] or [z]),
            np.concatenate([o[2] for o in out] or [z]), sum(o[3] for o in out))


def _scan_group(
    scorer: BlockScorer, g: Group, a: I64, b: I64, sk: I64, tk: I64, edge_codes: I64
) -> tuple[I64, I64, I64, int]:
    n_e = scorer.enc.n_mentees
    z = np.zeros(0, np.int64)
    order = np.argsort(b[g.cols], kind="stable")
    cols_b = g.cols[order]
    bs = b[cols_b]
    ts = tk[cols_b]
    ar, sr = a[g.rows], sk[g.rows]
    prefix = np.searchsorted(bs, sr - ar, "left")  # pairs with slack < kth(i)
    live = np.flatnonzero(prefix > 0)
    if not len(live):
        return z, z, z, 0
    live = live[np.argsort(-prefix[live], kind="stable")]
    out_m: list[I64] = []
    out_e: list[I64] = []
    out_w: list[I64] = []
    scored = 0
    start = 0
    while start < len(live):
        width = int(prefix[live[start]])
        stop = min(len(live), start + max(1, BLOCK_PAIRS // width))
        sel = live[start:stop]
        start = stop
        rows, ra, rs = g.rows[sel], ar[sel], sr[sel]
        slack = ra[:, None] + bs[None, :width]
        flagged = (slack < rs[:, None]) & (slack < ts[None, :width])
        r_any = np.flatnonzero(flagged.any(axis=1))
        if not len(r_any):
            continue
        c_any = np.flatnonzero(flagged[r_any].any(axis=0))
        c_sorted = c_any[np.argsort(cols_b[c_any], kind="stable")]  # the scorer wants ascending mentees
        sub_rows, sub_cols = rows[r_any], cols_b[c_sorted]
        w = scorer.score(sub_rows, scorer.context(sub_cols, g.stage)).astype(np.int64)
        f = flagged[np.ix_(r_any, c_sorted)]
        scored += int(f.sum())
        r, c = np.nonzero(f & (w >= 0) & (w > ra[r_any][:, None] + bs[c_sorted][None, :]))
        if not len(r):
            continue
        mi, ej, ww = sub_rows[r], sub_cols[c], w[r, c]
        code = mi * n_e + ej
        pos = np.minimum(np.searchsorted(edge_codes, code), max(len(edge_codes) - 1, 0))
        fresh = edge_codes[pos] != code if len(edge_codes) else np.ones(len(code), dtype=bool)
        out_m.append(mi[fresh])
        out_e.append(ej[fresh])
        out_w.append(ww[fresh])
    if not out_m:
        return z, z, z, scored
    return np.concatenate(out_m), np.concatenate(out_e), np.concatenate(out_w), scored
