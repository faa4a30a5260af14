"""Candidate generation: walk every allowed pair in blocks, keep each side's top-k edges.

Blocks are built so most forbidden pairs are never formed: mentors are grouped by (UTC offset, stage) and
each group meets only the mentees inside its time-zone band (a contiguous range of mentees sorted by
offset) whose stage the stage rule allows. Within a block the remaining rules and the score are computed
with numpy (:func:`bot.matching.scoring.pair_scores`); there is no Python loop over pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from bot.matching.encode import Encoded
from bot.matching.scoring import I64, drop_excluded, pair_scores

BLOCK_PAIRS = 1 << 20  # pairs per block (~1M): bounds the scratch memory of a block to ~60 MB


def iter_blocks(enc: Encoded, block_pairs: int = BLOCK_PAIRS) -> Iterator[tuple[I64, I64]]:
    """(mentor rows, mentee cols) blocks covering every pair that the zone and stage rules allow."""
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
        if not len(cols):
            continue
        step = max(1, block_pairs // len(cols))
        for i in range(0, len(rows), step):
            yield rows[i: i + step], cols


def count_block_pairs(enc: Encoded) -> int:
    return sum(len(r) * len(c) for r, c in iter_blocks(enc, block_pairs=1 << 62))


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


def block_scores(enc: Encoded, rows: I64, cols: I64) -> tuple[np.ndarray, I64]:
    ok, w = pair_scores(enc, rows[:, None], cols[None, :], prefiltered=True, uniform_rows=True)
    drop_excluded(enc, ok, rows, cols)
    return ok, w


@dataclass
class KeyCodec:
    """One int64 key per pair: score, then the lower mentor index, then the lower mentee index.

    Keys are unique, so "the k largest keys" is each side's top-k with ties broken by id (nodes are in id
    order), and a key decodes back to its pair.
    """

    m_bits: int
    e_bits: int

    @classmethod
    def for_sizes(cls, n_m: int, n_e: int, max_w: int) -> KeyCodec:
        codec = cls(max(1, n_m.bit_length()), max(1, n_e.bit_length()))
        if max_w.bit_length() + codec.m_bits + codec.e_bits > 62:
            raise ValueError("cohort too large for the candidate keys (reduce the weights or split the run)")
        return codec

    def encode(self, ok: np.ndarray, w: I64, rows: I64, cols: I64) -> I64:
        mm, me = (1 << self.m_bits) - 1, (1 << self.e_bits) - 1
        key = (w << (self.m_bits + self.e_bits)) | ((mm - rows) << self.e_bits)[:, None] | (me - cols)[None, :]
        return np.where(ok, key, -1)

    def decode(self, key: I64) -> tuple[I64, I64, I64]:
        mm, me = (1 << self.m_bits) - 1, (1 << self.e_bits) - 1
        return mm - ((key >> self.e_bits) & mm), me - (key & me), key >> (self.m_bits + self.e_bits)


@dataclass
class _Worker:
    e_key: I64
    allowed: I64
    keys: list[I64]
    mentor_kth: list[tuple[I64, I64]]
    seen: int = 0


def _run_blocks(enc: Encoded, blocks: list[tuple[I64, I64]], k: int, full: bool, codec: KeyCodec) -> _Worker:
    st = _Worker(np.full((enc.n_mentees, k), -1, dtype=np.int64), np.zeros(enc.n_mentees, np.int64), [], [])
    for rows, cols in blocks:
        st.seen += len(rows) * len(cols)
        ok, w = block_scores(enc, rows, cols)
        st.allowed[cols] += np.count_nonzero(ok, axis=0)
        key = codec.encode(ok, w, rows, cols)
        if full:
            st.keys.append(key[key >= 0])
            continue
        # mentor side: exact top-k per row (a mentor's row meets all its mentees in one block)
        top = np.partition(key, key.shape[1] - k, axis=1)[:, -k:] if key.shape[1] > k else key
        st.keys.append(top[top >= 0])
        if key.shape[1] >= k:
            kth = top.min(axis=1)
            st.mentor_kth.append((rows, np.where(kth >= 0, kth >> (codec.m_bits + codec.e_bits), -1)))
        # mentee side: running top-k per column, merged block by block
        key_t = np.ascontiguousarray(key.T)
        if key_t.shape[1] > k:
            key_t = np.partition(key_t, key_t.shape[1] - k, axis=1)[:, -k:]
        merged = np.concatenate([st.e_key[cols], key_t], axis=1)
        st.e_key[cols] = np.partition(merged, merged.shape[1] - k, axis=1)[:, -k:]
    return st


def generate(enc: Encoded, k: int, full: bool, max_w: int, threads: int = 2) -> Candidates:
    """Score every allowed pair once; keep all of them when ``full``, else each side's top-k."""
    n_m, n_e = enc.n_mentors, enc.n_mentees
    codec = KeyCodec.for_sizes(n_m, n_e, max_w)
    blocks = list(iter_blocks(enc))
    blocks.sort(key=lambda b: -len(b[0]) * len(b[1]))
    threads = max(1, min(threads, len(blocks)))
    shares = [blocks[i::threads] for i in range(threads)]
    if threads == 1:
        states = [_run_blocks(enc, blocks, k, full, codec)]
    else:
        with ThreadPoolExecutor(threads) as pool:
            states = list(pool.map(lambda share: _run_blocks(enc, share, k, full, codec), shares))
    mentor_kth = np.full(n_m, -1, dtype=np.int64)
    for st in states:
        for rows, kth in st.mentor_kth:
            mentor_kth[rows] = kth
    keys = [key for st in states for key in st.keys]
    mentee_kth = np.full(n_e, -1, dtype=np.int64)
    if not full:
        e_key = np.concatenate([st.e_key for st in states], axis=1)
        if e_key.shape[1] > k:
            e_key = np.partition(e_key, e_key.shape[1] - k, axis=1)[:, -k:]
        keys.append(e_key[e_key >= 0])
        low = e_key.min(axis=1)
        mentee_kth = np.where(low >= 0, low >> (codec.m_bits + codec.e_bits), -1)
    all_keys = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    em, ee, w = codec.decode(all_keys)
    order = np.lexsort((ee, em))
    allowed = np.sum([st.allowed for st in states], axis=0).astype(np.int64)
    return Candidates(em[order], ee[order], w[order], mentor_kth, mentee_kth, allowed,
                      sum(st.seen for st in states), full)


def unique_edges(em: I64, ee: I64, w: I64, n_e: int) -> tuple[I64, I64, I64]:
    code = em * max(n_e, 1) + ee
    _, first = np.unique(code, return_index=True)
    return em[first], ee[first], w[first]
