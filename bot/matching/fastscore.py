"""Block scoring by one matrix product and one table look-up per pair.

Every default score term is a function of a few small integers: the sizes of the two sides' sets (|S_M|,
|S_E|, |G_E|, |A_E|) and the sizes of their intersections (|S_M ∩ S_E|, |G_M ∩ G_E|, |P_M ∩ P_E|,
|A_M ∩ A_E|). Intersection sizes are dot products of 0/1 vectors, so with each side's bit vectors scaled by
the place values of a mixed-radix number, one float32 matrix product (BLAS) gives, for every pair of a
block, the index of a table that holds the exact integer score of that combination (the same rounded terms
as :class:`bot.matching.encode.Tables`). The products are small integers (< 2²⁴), so float32 is exact.

The stage term is added per column (a block's mentors share one stage); pairs barred by history, by
organisers or by a shared organisation are cleared from sparse lists when there are few, else compared
densely. Custom criteria are added with the generic code of :mod:`bot.matching.scoring`. When the table
would be too large (very large vocabularies), the scorer falls back to :func:`scoring.pair_scores`.

A score matrix marks a barred pair with a negative value, so "allowed" is ``score >= 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.matching.encode import SCALE, STAGE_GAPS, Encoded, stage_fractions
from bot.matching.scoring import I64, _criterion, drop_excluded, pair_scores

MAX_TABLE = 1 << 22  # entries; beyond this the generic scorer is used
MAX_SPARSE_BARRED = 4_000_000  # same-organisation pairs kept as a sparse list (else compared densely)
F32 = npt.NDArray[np.float32]
Scores = npt.NDArray[Any]  # int32 or int64 score matrix; < 0 means barred


def _bits(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """(n, words) uint64 bitsets → (n, 64·words) 0/1 matrix, bit i of word w in column 64w + i."""
    width = 8 * words.shape[1] if words.ndim == 2 else 0
    as_bytes = np.ascontiguousarray(words).view(np.uint8).reshape(len(words), width)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")


@dataclass
class GroupContext:
    """What a block needs about its columns (mentee nodes), computed once per group of mentors."""

    cols: I64
    features: F32 | None  # (d, len(cols)) mentee features, or None on the generic path
    stage_term: Scores  # stage term per column (the group's mentors share one stage)
    org: I64


class BlockScorer:
    """Scores (mentor rows × mentee cols) blocks whose rows share one stage (see ``iter_groups``)."""

    def __init__(self, enc: Encoded, max_w: int) -> None:
        self.enc = enc
        cfg = enc.config
        w = cfg.weights
        m, e = enc.mentors, enc.mentees
        self.dtype: type[np.signedinteger[Any]] = np.int32 if max_w < (1 << 30) else np.int64
        self.neg = -(1 << 30) if self.dtype is np.int32 else -(1 << 62)
        self.stage_table = np.rint(w.stage * stage_fractions(cfg) * SCALE).astype(np.int64)
        self._barred_csr(enc)
        # mixed-radix digits: (name, radix, mentor bits, mentee bits) for intersections, then per-side counts
        m_subj_n, e_subj_n = m.subj_n.astype(np.int64), e.subj_n.astype(np.int64)
        m_ph_n = np.bitwise_count(m.phase).astype(np.int64)
        e_ph_n = np.bitwise_count(e.phase).astype(np.int64)
        m_av_n = np.bitwise_count(m.avail).astype(np.int64)
        e_av_n = np.bitwise_count(e.avail).astype(np.int64)
        m_goal_n, e_goal_n = m.goal_n.astype(np.int64), e.goal_n.astype(np.int64)

        def top(a: I64) -> int:
            return int(a.max(initial=0))

        use_s, use_g, use_p = w.subjects > 0, w.goals > 0, w.phase > 0
        use_a = w.availability > 0 or cfg.require_shared_availability
        r_is = min(top(m_subj_n), top(e_subj_n)) + 1 if use_s else 1
        r_ns = top(m_subj_n) + top(e_subj_n) + 1 if use_s else 1
        r_ig = min(top(m_goal_n), top(e_goal_n)) + 1 if use_g else 1
        r_ng = top(e_goal_n) + 1 if use_g else 1
        r_ip = min(top(m_ph_n), top(e_ph_n)) + 1 if use_p else 1
        r_ia = min(top(m_av_n), top(e_av_n)) + 1 if use_a else 1
        r_na = top(e_av_n) + 1 if use_a else 1
        radices = [r_is, r_ns, r_ig, r_ng, r_ip, r_ia, r_na]
        size = int(np.prod(radices))
        self.fast = size <= MAX_TABLE
        if not self.fast:
            self.table = np.zeros(0, self.dtype)
            self.m_features = np.zeros((0, 0), np.float32)
            self.e_features = np.zeros((0, 0), np.float32)
            return
        # C order: the last digit varies fastest in np.indices(...).reshape(..., -1)
        place = np.cumprod([1, *radices[::-1]])[:-1][::-1].astype(np.int64)
        p_is, p_ns, p_ig, p_ng, p_ip, p_ia, p_na = (int(x) for x in place)
        digits = np.indices(radices).reshape(len(radices), -1).astype(np.float64)
        d_is, d_ns, d_ig, d_ng, d_ip, d_ia, d_na = digits
        union = d_ns - d_is
        table = np.rint(w.subjects * np.divide(d_is, union, out=np.zeros(size), where=union > 0) * SCALE)
        table += np.rint(w.goals * np.divide(d_ig, d_ng, out=np.zeros(size), where=d_ng > 0) * SCALE)
        table += np.rint(w.phase * (d_ip > 0) * SCALE)
        table += np.rint(w.availability * np.divide(d_ia, d_na, out=np.zeros(size), where=d_na > 0) * SCALE)
        table_i = table.astype(np.int64)
        if cfg.require_shared_availability:
            table_i[d_ia == 0] = self.neg
        self.table = table_i.astype(self.dtype)

        m_cols: list[npt.NDArray[Any]] = []
        e_cols: list[npt.NDArray[Any]] = []

        def add_bits(mb: npt.NDArray[np.uint8], eb: npt.NDArray[np.uint8], place_value: int) -> None:
            keep = mb.any(axis=0) & eb.any(axis=0)  # a bit nobody on one side has never intersects
            m_cols.append(mb[:, keep].astype(np.float32) * place_value)
            e_cols.append(eb[:, keep].astype(np.float32))

        if use_s:
            add_bits(_bits(m.subj), _bits(e.subj), p_is)
        if use_g:
            add_bits(_bits(m.goal), _bits(e.goal), p_ig)
        if use_p:
            add_bits(_bits(m.phase[:, None].astype(np.uint64)), _bits(e.phase[:, None].astype(np.uint64)), p_ip)
        if use_a:
            add_bits(_bits(m.avail[:, None].astype(np.uint64)), _bits(e.avail[:, None].astype(np.uint64)), p_ia)
        m_const = (m_subj_n * p_ns if use_s else np.zeros(len(m), np.int64)).astype(np.float32)
        e_const = (e_subj_n * p_ns if use_s else 0) + (e_goal_n * p_ng if use_g else 0) + \
            (e_av_n * p_na if use_a else 0)
        e_const_a = np.broadcast_to(np.asarray(e_const, dtype=np.float32), (len(e),))
        # row · col = Σ place × |intersection| + m_const + e_const
        m_cols += [m_const[:, None], np.ones((len(m), 1), np.float32)]
        e_cols += [np.ones((len(e), 1), np.float32), e_const_a[:, None]]
        self.m_features = np.ascontiguousarray(np.concatenate(m_cols, axis=1), dtype=np.float32)
        self.e_features = np.ascontiguousarray(np.concatenate(e_cols, axis=1).T, dtype=np.float32)

    def _barred_csr(self, enc: Encoded) -> None:
        """Barred pairs (history, organisers, same organisation if sparse) as one list per mentor."""
        n_e = max(enc.n_mentees, 1)
        codes = [enc.excluded]
        self.dense_org = False
        if enc.config.different_organisation:
            m_org, e_org = enc.mentors.org, enc.mentees.org
            shared = np.intersect1d(m_org[m_org >= 0], e_org[e_org >= 0])
            mo = np.flatnonzero(np.isin(m_org, shared))
            eo = np.flatnonzero(np.isin(e_org, shared))
            if len(mo) and len(eo):
                mo = mo[np.argsort(m_org[mo], kind="stable")]
                eo = eo[np.argsort(e_org[eo], kind="stable")]
                m_cnt = np.bincount(np.searchsorted(shared, m_org[mo]), minlength=len(shared))
                e_cnt = np.bincount(np.searchsorted(shared, e_org[eo]), minlength=len(shared))
                if int((m_cnt * e_cnt).sum()) > MAX_SPARSE_BARRED:
                    self.dense_org = True
                else:
                    m_start = np.r_[0, np.cumsum(m_cnt)]
                    e_start = np.r_[0, np.cumsum(e_cnt)]
                    for g in np.flatnonzero((m_cnt > 0) & (e_cnt > 0)).tolist():
                        mm = mo[m_start[g]: m_start[g + 1]]
                        ee = eo[e_start[g]: e_start[g + 1]]
                        codes.append((mm[:, None] * n_e + ee[None, :]).ravel())
        allc = np.unique(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
        self.barred_e = allc % n_e
        self.barred_ptr = np.searchsorted(allc // n_e, np.arange(enc.n_mentors + 1))

    def context(self, cols: I64, stage: int) -> GroupContext:
        e = self.enc.mentees
        diff = np.clip(stage - e.stage[cols].astype(np.int64), -STAGE_GAPS, STAGE_GAPS) + STAGE_GAPS
        stage_term = self.stage_table[diff].astype(self.dtype)
        feats = np.ascontiguousarray(self.e_features[:, cols]) if self.fast else None
        return GroupContext(cols, feats, stage_term, e.org[cols])

    def score(self, rows: I64, ctx: GroupContext) -> Scores:
        """Scores of rows × ctx.cols (rows share the stage ``ctx`` was built for); < 0 where barred."""
        enc, cols = self.enc, ctx.cols
        if ctx.features is None:
            ok, w = pair_scores(enc, rows[:, None], cols[None, :], prefiltered=True, uniform_rows=True)
            drop_excluded(enc, ok, rows, cols)
            if enc.config.different_organisation:
                ok &= enc.mentors.org[rows][:, None] != ctx.org[None, :]
            return np.where(ok, w, -1).astype(self.dtype)
        index = (self.m_features[rows] @ ctx.features).astype(np.int32)
        s: Scores = self.table.take(index)
        s += ctx.stage_term[None, :]
        hard_rules = []
        for c in enc.criteria:
            hard, frac = _criterion(c, rows[:, None], cols[None, :])
            if frac is not None:
                s += np.rint(c.config.weight * frac * SCALE).astype(self.dtype)
            if hard is not None:
                hard_rules.append(hard)
        for hard in hard_rules:  # after every term: a later term's points must not lift a barred pair
            np.putmask(s, ~np.broadcast_to(hard, s.shape), -1)
        if self.dense_org:
            np.putmask(s, enc.mentors.org[rows][:, None] == ctx.org[None, :], -1)
        self._clear_barred(s, rows, cols)
        return s

    def _clear_barred(self, s: Scores, rows: I64, cols: I64) -> None:
        lo, hi = self.barred_ptr[rows], self.barred_ptr[rows + 1]
        n = hi - lo
        total = int(n.sum())
        if not total:
            return
        r = np.repeat(np.arange(len(rows)), n)
        idx = np.repeat(lo - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(total)
        ce = self.barred_e[idx]
        pos = np.minimum(np.searchsorted(cols, ce), len(cols) - 1)  # cols are sorted
        hit = cols[pos] == ce
        s[r[hit], pos[hit]] = -1
