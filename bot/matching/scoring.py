"""Vectorised hard rules and scores for many pairs at once (index arrays that broadcast)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.matching.encode import SCALE, STAGE_GAPS, CriterionArrays, Encoded

BoolA = npt.NDArray[np.bool_]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]



def popcount_and(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """|A ∩ B| for bitset rows ``a[..., w]`` and ``b[..., w]`` that broadcast."""
    out = np.bitwise_count(a[..., 0] & b[..., 0]).astype(np.int64)
    for w in range(1, a.shape[-1]):
        out += np.bitwise_count(a[..., w] & b[..., w])
    result: npt.NDArray[np.int64] = out
    return result


def _criterion(c: CriterionArrays, mi: I64, ej: I64) -> tuple[BoolA | None, F64 | None]:
    """(hard-rule mask or None, soft fraction in [0, 1] or None) of one custom criterion."""
    cfg = c.config
    ok: BoolA
    frac: F64
    if cfg.kind == "same_choice":
        a, b = c.m_codes[mi], c.e_codes[ej]
        ok = (a >= 0) & (a == b)
        frac = ok.astype(np.float64)
    elif cfg.kind == "shared_any":
        ok = popcount_and(c.m_bits[mi], c.e_bits[ej]) > 0
        frac = ok.astype(np.float64)
    elif cfg.kind in ("overlap", "coverage"):
        inter = popcount_and(c.m_bits[mi], c.e_bits[ej]).astype(np.float64)
        e_n = c.e_size[ej].astype(np.float64)
        if cfg.kind == "overlap":
            union = c.m_size[mi] + e_n - inter
            frac = np.divide(inter, union, out=np.zeros(np.broadcast_shapes(inter.shape, union.shape)),
                             where=union > 0)
            ok = inter > 0
        else:
            frac = np.divide(inter, e_n, out=np.zeros(np.broadcast_shapes(inter.shape, e_n.shape)),
                             where=e_n > 0)
            ok = (inter > 0) & (frac >= cfg.min_coverage)
    elif cfg.kind == "ordinal_gap":
        a, b = c.m_codes[mi], c.e_codes[ej]
        both = (a >= 0) & (b >= 0)
        gap = a - b
        lo = cfg.min_gap if cfg.min_gap is not None else -len(cfg.scale)
        hi = cfg.max_gap if cfg.max_gap is not None else len(cfg.scale)
        ok = both & (gap >= lo) & (gap <= hi)
        frac = np.where(both, np.maximum(0.0, 1.0 - np.abs(gap - cfg.ideal_gap) / (len(cfg.scale) - 1)), 0.0)
    else:
        x, y = c.m_num[mi], c.e_num[ej]
        dist = np.abs(x - y)
        both = ~np.isnan(dist)
        ok = both & (np.nan_to_num(dist, nan=np.inf) <= cfg.max_distance)
        frac = np.where(both, np.maximum(0.0, 1.0 - np.nan_to_num(dist, nan=np.inf) / cfg.max_distance), 0.0)
    return (ok if cfg.hard else None), (frac if cfg.weight > 0 else None)


def pair_scores(
    enc: Encoded, mi: I64, ej: I64, *, prefiltered: bool = False, uniform_rows: bool = False
) -> tuple[BoolA, I64]:
    """(allowed, integer score) for mentor nodes ``mi`` × mentee nodes ``ej`` (index arrays that broadcast).

    The integer score is the sum of each term rounded to 10⁻⁶ point. Checks hard rules 2–4, 6 and the
    programme's hard criteria; history, forbidden and self pairs are in ``enc.excluded`` (see
    :func:`drop_excluded`); capacity is the flow's job. ``prefiltered``: the zone and stage rules are known
    to hold; ``uniform_rows``: ``mi`` is a column (r, 1) of mentors who share one stage (blocks from
    :func:`bot.matching.candidates.iter_blocks`).
    """
    cfg = enc.config
    tb = enc.tables
    m, e = enc.mentors, enc.mentees
    # phase + availability terms, NO_SLOT (< 0) when rule 4 fails
    score = np.take(tb.pa, tb.m_pa[mi] + tb.e_pa[ej])
    ok = m.org[mi] != e.org[ej] if cfg.different_organisation else np.ones(score.shape, dtype=bool)
    mi_stage = mi[:1] if uniform_rows else mi
    diff = m.stage[mi_stage] - e.stage[ej]
    if not prefiltered:
        if cfg.stage_rule == "mentor_senior":
            ok &= diff > 0
        elif cfg.stage_rule == "mentor_senior_or_equal":
            ok &= diff >= 0
        ok &= np.abs(m.offset[mi] - e.offset[ej]) <= enc.gap_minutes
    if cfg.weights.stage:
        score += np.take(tb.stage, np.clip(diff, -STAGE_GAPS, STAGE_GAPS) + STAGE_GAPS)
    if cfg.weights.subjects:
        inter = popcount_and(m.subj[mi], e.subj[ej])
        score += np.take(tb.subj, inter * tb.subj_stride + (tb.m_subj_n[mi] + tb.e_subj_n[ej]))
    if cfg.weights.goals:
        inter = popcount_and(m.goal[mi], e.goal[ej])
        score += np.take(tb.goal, inter * tb.goal_n + tb.e_goal_n[ej])
    for c in enc.criteria:
        hard, frac = _criterion(c, mi, ej)
        if hard is not None:
            ok &= hard
        if frac is not None:
            score += np.rint(c.config.weight * frac * SCALE).astype(np.int64)
    ok &= score >= 0
    return ok, score


def drop_excluded(enc: Encoded, ok: BoolA, rows: I64, cols: I64) -> None:
    """Clear ``ok[r, c]`` (a rows × cols block) for pairs barred by history or by organisers."""
    if not len(enc.excluded):
        return
    n_e = enc.n_mentees
    ex_m, ex_e = enc.excluded // n_e, enc.excluded % n_e
    # keep exclusions whose mentor is in the block (excluded is sorted by mentor)
    order = np.argsort(rows, kind="stable")
    srows = rows[order]
    pos = np.searchsorted(srows, ex_m)
    pos_c = np.minimum(pos, len(srows) - 1)
    hit = srows[pos_c] == ex_m
    if not hit.any():
        return
    r = order[pos_c[hit]]
    ce = ex_e[hit]
    corder = np.argsort(cols, kind="stable")
    scols = cols[corder]
    cpos = np.minimum(np.searchsorted(scols, ce), len(scols) - 1)
    chit = scols[cpos] == ce
    ok[r[chit], corder[cpos[chit]]] = False


def excluded_pairs(enc: Encoded, mi: I64, ej: I64) -> BoolA:
    """Whether each pair (1-D arrays) is barred by history or by organisers."""
    if not len(enc.excluded):
        return np.zeros(len(mi), dtype=bool)
    return np.isin(mi * enc.n_mentees + ej, enc.excluded)
