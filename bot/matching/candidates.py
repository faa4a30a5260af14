"""Candidate generation: walk every allowed pair in blocks, keep each side's top-k edges.

Blocks are built so most forbidden pairs are never formed: mentors are grouped by (UTC offset, stage) and
each group meets only the mentees inside its time-zone band (a contiguous range of mentees sorted by
offset) whose stage the stage rule allows. A block is a slice of a group's mentors × all the group's
mentees, scored at once by :class:`bot.matching.fastscore.BlockScorer`; there is no Python loop over pairs.

Mentor side: a mentor's row lies in one block, so its k-th best score is one ``np.partition``. Mentee side:
each worker keeps every mentee's k best scores seen so far (its running threshold) and collects only the
pairs that beat it, so after the first blocks few pairs per block are collected or merged. Ties at a k-th
score may add a few extra edges; every pair left out scores at most its nodes' k-th best (the bounds that
:mod:`bot.matching.certify` relies on).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bot.matching.blas import single_threaded_blas
from bot.matching.encode import Encoded
from bot.matching.fastscore import BlockScorer, Scores
from bot.matching.scoring import I64

BLOCK_PAIRS = 1 << 19  # pairs per block: bounds the scratch memory of a block to a few MB per worker
COMPACT_EVERY = 1 << 22  # collected entries between two clean-ups of a worker's buffer


@dataclass
class Group:
    """Mentors sharing a UTC offset and a stage, and the mentees (sorted) the zone and stage rules allow."""

    rows: I64
    cols: I64
    stage: int

    @property
    def pairs(self) -> int:
        return len(self.rows) * len(self.cols)

    def chunks(self, block_pairs: int = BLOCK_PAIRS) -> list[I64]:
        step = max(1, block_pairs // max(len(self.cols), 1))
        return [self.rows[i: i + step] for i in range(0, len(self.rows), step)]


def iter_groups(enc: Encoded) -> Iterator[Group]:
    m, e = enc.mentors, enc.mentees
    if not len(m) or not len(e):
        return
    e_order = np.argsort(e.offset, kind="stable")
    e_off = e.offset[e_order]
    e_stage = e.stage[e_order]
    live = np.flatnonzero(enc.capacity > 0)
    if not len(live):
        return
    key = m.offset[live] * 16 + m.stage[live]
    order = np.argsort(key, kind="stable")
    live, key = live[order], key[order]
    bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    rule = enc.config.stage_rule
    for g in range(len(bounds) - 1):
        rows = live[bounds[g]: bounds[g + 1]]
        off, stage = int(m.offset[rows[0]]), int(m.stage[rows[0]])
        lo = int(np.searchsorted(e_off, off - enc.gap_minutes, "left"))
        hi = int(np.searchsorted(e_off, off + enc.gap_minutes, "right"))
        if rule == "mentor_senior":
            keep = e_stage[lo:hi] < stage
        elif rule == "mentor_senior_or_equal":
            keep = e_stage[lo:hi] <= stage
        else:
            keep = np.ones(hi - lo, dtype=bool)
        cols = np.sort(e_order[lo:hi][keep])
        if len(cols):
            yield Group(rows, cols, stage)


def count_block_pairs(enc: Encoded) -> int:
    return sum(g.pairs for g in iter_groups(enc))


def work_shares(groups: list[Group], workers: int) -> list[list[tuple[Group, list[I64]]]]:
    """Split the groups' blocks over ``workers``, largest groups first, round-robin within a group."""
    shares: list[list[tuple[Group, list[I64]]]] = [[] for _ in range(workers)]
    turn = 0
    for g in sorted(groups, key=lambda g: -g.pairs):
        chunks = g.chunks()
        parts: list[list[I64]] = [[] for _ in range(workers)]
        for c in chunks:
            parts[turn % workers].append(c)
            turn += 1
        for w, part in enumerate(parts):
            if part:
                shares[w].append((g, part))
    return shares


@dataclass
class Candidates:
    """Candidate edges (sorted by mentor, then mentee) and each side's k-th best score.

    ``mentor_kth[i]``/``mentee_kth[j]`` bound the score of every pair of that node which is *not* a
    candidate (−1 when all the node's allowed pairs are candidates). ``mentee_allowed[j]`` counts the
    mentors allowed for mentee j (any capacity left).
    """

    em: I64
    ee: I64
    w: I64
    mentor_kth: I64
    mentee_kth: I64
    mentee_allowed: I64
    block_pairs: int
    full: bool


@dataclass
class _Worker:
    top: Scores  # (n_e, k) the k best scores seen per mentee
    thr: Scores  # k-th best seen per mentee, −1 while fewer than k
    allowed: I64
    mentor_kth: I64
    em: list[npt.NDArray[np.int32]] = field(default_factory=list)
    ee: list[npt.NDArray[np.int32]] = field(default_factory=list)
    w: list[Scores] = field(default_factory=list)
    row_side: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    pending: int = 0
    seen: int = 0

    def compact(self) -> None:
        """Drop collected mentee-side entries that no longer beat their mentee's running k-th score."""
        em, ee, w, rs = (np.concatenate(x) for x in (self.em, self.ee, self.w, self.row_side))
        keep = rs | (w >= self.thr[ee])
        self.em, self.ee, self.w, self.row_side = [em[keep]], [ee[keep]], [w[keep]], [rs[keep]]
        self.pending = 0


def _run(scorer: BlockScorer, share: list[tuple[Group, list[I64]]], k: int, full: bool) -> _Worker:
    with single_threaded_blas():
        return _run_blocks(scorer, share, k, full)


def _run_blocks(scorer: BlockScorer, share: list[tuple[Group, list[I64]]], k: int, full: bool) -> _Worker:
    n_e, n_m = scorer.enc.n_mentees, scorer.enc.n_mentors
    dt = scorer.dtype
    st = _Worker(np.full((n_e, k), -1, dtype=dt), np.full(n_e, -1, dtype=dt), np.zeros(n_e, np.int64),
                 np.full(n_m, -1, dtype=np.int64))
    for group, chunks in share:
        ctx = scorer.context(group.cols, group.stage)
        cols = group.cols
        n_c = len(cols)
        for rows in chunks:
            st.seen += len(rows) * n_c
            s = scorer.score(rows, ctx)
            ok = s >= 0
            st.allowed[cols] += np.count_nonzero(ok, axis=0)
            if full:
                r, c = np.nonzero(ok)
                st.em.append(rows[r].astype(np.int32))
                st.ee.append(cols[c].astype(np.int32))
                st.w.append(s[r, c])
                st.row_side.append(np.ones(len(r), dtype=bool))
                continue
            if n_c > k:
                kth = np.partition(s, n_c - k, axis=1)[:, n_c - k]
                st.mentor_kth[rows] = np.maximum(kth, -1)
                row_cut = np.maximum(kth, 0)
            else:
                row_cut = np.zeros(len(rows), dtype=dt)
            beats = s > st.thr[cols][None, :]
            sel = beats | (s >= row_cut[:, None])
            r, c = np.nonzero(sel)
            v = s[r, c]
            cut = row_cut[r]
            # row side: exactly the k best of each row, ties at the k-th score going to lower mentee ids
            row_side = (v > cut) | ((v == cut) & _first_ties(r, v == cut, k - np.bincount(r[v > cut],
                                                                                       minlength=len(rows))))
            st.em.append(rows[r].astype(np.int32))
            st.ee.append(cols[c].astype(np.int32))
            st.w.append(v)
            st.row_side.append(row_side)
            st.pending += len(r)
            touched = np.flatnonzero(beats.any(axis=0))
            if len(touched):
                gc = cols[touched]
                merged = np.concatenate([st.top[gc], s[:, touched].T], axis=1)
                if merged.shape[1] > k:
                    merged = np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:]
                st.top[gc] = merged
                st.thr[gc] = np.maximum(merged.min(axis=1), -1)
            if st.pending > COMPACT_EVERY:
                st.compact()
    return st


def generate(enc: Encoded, k: int, full: bool, max_w: int, threads: int = 2,
             scorer: BlockScorer | None = None) -> Candidates:
    """Score every allowed pair once; keep all of them when ``full``, else each side's top-k."""
    n_m, n_e = enc.n_mentors, enc.n_mentees
    scorer = scorer or BlockScorer(enc, max_w)
    groups = list(iter_groups(enc))
    threads = max(1, min(threads, sum(len(g.chunks()) for g in groups)))
    shares = work_shares(groups, threads)
    if threads == 1:
        states = [_run(scorer, shares[0], k, full)]
    else:
        with ThreadPoolExecutor(threads) as pool:
            states = list(pool.map(lambda share: _run(scorer, share, k, full), shares))
    mentor_kth = np.max([st.mentor_kth for st in states], axis=0) if states else np.full(n_m, -1, np.int64)
    mentee_kth = np.full(n_e, -1, dtype=np.int64)
    if not full and states:
        top = np.concatenate([st.top for st in states], axis=1)
        if top.shape[1] > k:
            top = np.partition(top, top.shape[1] - k, axis=1)[:, -k:]
        mentee_kth = np.maximum(top.min(axis=1).astype(np.int64), -1)
    for st in states:
        if st.em:
            st.compact()
    em = np.concatenate([st.em[0] for st in states if st.em] or [np.zeros(0, np.int32)]).astype(np.int64)
    ee = np.concatenate([st.ee[0] for st in states if st.ee] or [np.zeros(0, np.int32)]).astype(np.int64)
    w = np.concatenate([st.w[0] for st in states if st.w] or [np.zeros(0, np.int64)]).astype(np.int64)
    rs = np.concatenate([st.row_side[0] for st in states if st.row_side] or [np.zeros(0, bool)])
    # mentee side: the k best of each mentee, ties at the k-th score going to lower mentor ids
    kth_e = mentee_kth[ee]
    tie = ~rs & (w == kth_e)
    keep = rs | (w > kth_e)
    if tie.any():
        extra = k - np.bincount(ee[~rs & (w > kth_e)], minlength=n_e) - np.bincount(
            ee[rs & (w >= kth_e)], minlength=n_e)  # row-side edges at or above the k-th count too
        ti = np.flatnonzero(tie)
        ti = ti[np.lexsort((em[ti], ee[ti]))]
        keep[ti[_first_ties(ee[ti], np.ones(len(ti), dtype=bool), extra)]] = True
    em, ee, w = unique_edges(em[keep], ee[keep], w[keep], n_e)
    allowed = np.sum([st.allowed for st in states], axis=0).astype(np.int64) if states else np.zeros(n_e, np.int64)
    return Candidates(em, ee, w, mentor_kth, mentee_kth, allowed, sum(st.seen for st in states), full)


def _first_ties(group: I64, mask: npt.NDArray[np.bool_], room: I64) -> npt.NDArray[np.bool_]:
    """For entries sorted by ``group``: True for the first ``room[group]`` entries of each group with ``mask``."""
    m = mask.astype(np.int64)
    if not len(m):
        return np.zeros(0, dtype=bool)
    csum = np.cumsum(m)
    starts = np.r_[True, group[1:] != group[:-1]]
    base = np.maximum.accumulate(np.where(starts, csum - m, 0))
    rank = csum - base  # 1-based rank among masked entries of the group
    return mask & (rank <= room[group])


def unique_edges(em: I64, ee: I64, w: I64, n_e: int) -> tuple[I64, I64, I64]:
    """Edges without duplicates, sorted by mentor then mentee."""
    code = em * max(n_e, 1) + ee
    _, first = np.unique(code, return_index=True)
    return em[first], ee[first], w[first]
