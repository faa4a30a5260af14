"""Prove the flow optimal over *all* allowed pairs, not only the candidate edges.

A pair (i, j) left out of the graph could improve the solution only if its reduced cost against the dual
prices is negative, i.e. its integer score w exceeds ``slack = A_i + B_j − BIG``. Every non-candidate pair
has ``w ≤ min(kth(i), kth(j))`` (it is in neither side's top-k), so a pair is cleared without being scored
when ``slack ≥ min(kth(i), kth(j))``. Blocks are checked coarsely (per row, per column, with block minima),
then pairwise; only pairs that survive every bound are scored exactly. Violators are returned to be added.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bot.matching.candidates import Candidates, iter_blocks
from bot.matching.encode import Encoded
from bot.matching.flow import FlowSolution
from bot.matching.scoring import I64, drop_excluded, pair_scores

NONE_PRUNED = -(1 << 60)


def violators(
    enc: Encoded, cand: Candidates, sol: FlowSolution, threads: int = 2
) -> tuple[I64, I64, I64, int]:
    """(mentor, mentee, score) of every allowed non-candidate pair with a negative reduced cost.

    The last value counts the pairs that had to be scored exactly.
    """
    if cand.full:
        z = np.zeros(0, np.int64)
        return z, z, z, 0
    n_e = enc.n_mentees
    a = sol.mentor_price - sol.big
    b = sol.mentee_price
    # a node whose allowed pairs are all candidates has no pruned pair: its bound is −∞
    sk = np.where(cand.mentor_kth < 0, NONE_PRUNED, cand.mentor_kth)
    tk = np.where(cand.mentee_kth < 0, NONE_PRUNED, cand.mentee_kth)
    edge_codes = cand.em * n_e + cand.ee  # sorted (mentor-major)
    blocks = sorted(iter_blocks(enc), key=lambda blk: -len(blk[0]) * len(blk[1]))
    shares = [blocks[i::threads] for i in range(max(1, threads))]
    with ThreadPoolExecutor(len(shares)) as pool:
        parts = list(pool.map(lambda share: _scan(enc, share, a, b, sk, tk, edge_codes), shares))
    out_m = [x for p in parts for x in p[0]]
    out_e = [x for p in parts for x in p[1]]
    out_w = [x for p in parts for x in p[2]]
    scored = sum(p[3] for p in parts)
    if not out_m:
        z = np.zeros(0, np.int64)
        return z, z, z, scored
    return np.concatenate(out_m), np.concatenate(out_e), np.concatenate(out_w), scored


def _scan(
    enc: Encoded, blocks: list[tuple[I64, I64]], a: I64, b: I64, sk: I64, tk: I64, edge_codes: I64
) -> tuple[list[I64], list[I64], list[I64], int]:
    n_e = enc.n_mentees
    out_m: list[I64] = []
    out_e: list[I64] = []
    out_w: list[I64] = []
    scored = 0
    for rows, cols in blocks:
        ar, sr = a[rows], sk[rows]
        bc, tc = b[cols], tk[cols]
        row_ok = (ar + bc.min() >= sr) | (ar + (bc - tc).min() >= 0)
        if row_ok.all():
            continue
        rows, ar, sr = rows[~row_ok], ar[~row_ok], sr[~row_ok]
        col_ok = (bc + (ar - sr).min() >= 0) | (bc + ar.min() >= tc)
        if col_ok.all():
            continue
        cols, bc, tc = cols[~col_ok], bc[~col_ok], tc[~col_ok]
        slack = ar[:, None] + bc[None, :]
        flagged = (slack < sr[:, None]) & (slack < tc[None, :])
        if not flagged.any():
            continue
        # score the flagged sub-block exactly (the rows share a zone and stage, as in the block)
        ok, w = pair_scores(enc, rows[:, None], cols[None, :], prefiltered=True, uniform_rows=True)
        drop_excluded(enc, ok, rows, cols)
        scored += int(flagged.sum())
        r, c = np.nonzero(flagged & ok & (w > slack))
        if not len(r):
            continue
        mi, ej, ww = rows[r], cols[c], w[r, c]
        code = mi * n_e + ej
        pos = np.minimum(np.searchsorted(edge_codes, code), max(len(edge_codes) - 1, 0))
        fresh = edge_codes[pos] != code if len(edge_codes) else np.ones(len(code), dtype=bool)
        out_m.append(mi[fresh])
        out_e.append(ej[fresh])
        out_w.append(ww[fresh])
    return out_m, out_e, out_w, scored
