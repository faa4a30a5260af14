"""The matching engine: most mentees matched, then the largest total score, proven optimal.

Pipeline: encode profiles → score every allowed pair in blocks, keep each side's top-k
(:mod:`candidates`) → sparse min-cost flow (:mod:`flow`) → dual prices → check every pruned pair's reduced
cost (:mod:`certify`) → add violators and solve again until none remain → among all optimal assignments,
take the one the id rule prefers (:mod:`tiebreak`) → explain (:mod:`explain`).
Small cohorts put every allowed pair in the flow, which is then optimal by construction.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import numpy as np

from bot.matching import candidates as cands
from bot.matching.certify import Found, near_pairs
from bot.matching.config import MatchingConfig
from bot.matching.encode import SCALE, encode
from bot.matching.explain import breakdown, hard_failures, reasons, unmatched_reason
from bot.matching.fastscore import BlockScorer
from bot.matching.flow import big_m, solve
from bot.matching.model import MatchResult, Pair, Person, Unmatched, person_problems
from bot.matching.tiebreak import break_ties

DEFAULT_CONFIG = MatchingConfig()


def check_pair(mentor: Person, mentee: Person, config: MatchingConfig, reference_date: date) -> list[str]:
    """The hard rules a manual pair (mentor, mentee) breaks, in words; empty when allowed.

    Capacity (rule 7) depends on the other pairs and is the caller's to check.
    """
    return hard_failures(mentor, mentee, config, reference_date)


def _prepare(
    people: Sequence[Person], forced: list[tuple[str, str]], active_mentor_load: Mapping[str, int],
    config: MatchingConfig,
) -> tuple[list[Person], dict[str, int]]:
    problems = [f"{p.id or '?'}: {msg}" for p in people for msg in person_problems(p, config)]
    dup = sorted(i for i, n in Counter(p.id for p in people).items() if n > 1)
    if dup:
        problems.append(f"duplicate ids: {', '.join(dup)}")
    if problems:
        raise ValueError("invalid profiles: " + "; ".join(problems))
    ordered = sorted(people, key=lambda p: p.id)
    by_id = {p.id: p for p in ordered}
    left = {p.id: p.capacity - int(active_mentor_load.get(p.id, 0)) for p in ordered if p.can_mentor}
    seen: set[str] = set()
    for m_id, e_id in forced:
        if m_id not in by_id or e_id not in by_id:
            raise ValueError(f"forced pair ({m_id}, {e_id}): unknown id")
        if m_id == e_id:
            raise ValueError(f"forced pair ({m_id}, {e_id}): a person cannot mentor themselves")
        if not by_id[m_id].can_mentor or not by_id[e_id].can_be_mentee:
            raise ValueError(f"forced pair ({m_id}, {e_id}): roles do not allow it")
        if e_id in seen:
            raise ValueError(f"forced pairs give {e_id} more than one mentor")
        seen.add(e_id)
        left[m_id] -= 1
        if left[m_id] < 0:
            raise ValueError(f"forced pairs take {m_id} beyond their capacity")
    return ordered, left


def match(
    people: Sequence[Person],
    config: MatchingConfig = DEFAULT_CONFIG,
    *,
    reference_date: date,
    forced: Iterable[tuple[str, str]] = (),
    forbidden: Iterable[tuple[str, str]] = (),
    active_mentor_load: Mapping[str, int] | None = None,
) -> MatchResult:
    """Match ``people`` under ``config`` (MATCHING.md by default).

    ``forced`` pairs (mentor_id, mentee_id) are kept as they are (organisers' decision; they use up the
    mentor's capacity); ``forbidden`` pairs are never made; ``active_mentor_load`` counts mentees a mentor
    already has from earlier rounds. Raises ValueError on invalid profiles or impossible forced pairs.

    Ties are broken by id (:mod:`bot.matching.tiebreak`): among all assignments with the most mentees and
    the largest total score, the one maximising Σ (n_mentors − rank(M)) × (n_mentees − rank(E)), ranks in id
    order; so equal-score alternatives go to the lower id, whatever the row order or candidate pruning.
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    if not people:  # nobody to match: an empty (and trivially optimal) result, not an error
        if any(True for _ in forced):
            raise ValueError("forced pairs name people who are not in this round")
        return MatchResult(pairs=[], unmatched=[], total_score=0.0, certified=True, timings={"total": 0.0})
    forced_l = [(str(a), str(b)) for a, b in forced]
    ordered, left = _prepare(people, forced_l, active_mentor_load or {}, config)
    forced_mentees = {e for _, e in forced_l}
    mentor_ids = [p.id for p in ordered if p.can_mentor]
    mentee_ids = [p.id for p in ordered if p.can_be_mentee and p.id not in forced_mentees]
    enc = encode(ordered, config, reference_date, mentor_ids, mentee_ids, left,
                 [(str(a), str(b)) for a, b in forbidden])
    t = time.perf_counter()
    timings["encode"] = t - t_start

    full = cands.count_block_pairs(enc) <= config.full_graph_max_pairs
    max_w = int(round(config.max_score * SCALE)) + 64
    scorer = BlockScorer(enc, max_w)
    cand = cands.generate(enc, config.top_k, full, max_w, scorer=scorer)
    timings["candidates"] = time.perf_counter() - t
    big = big_m(enc.n_mentees, enc.capacity, max_w)
    timings["solve"] = timings["duals"] = timings["certify"] = 0.0
    certified, rounds, added, scored, passes = False, 0, 0, 0, 0
    used = np.zeros(0, dtype=bool)
    tight = Found(*(np.zeros(0, np.int64),) * 4, 0)
    for rounds in range(1, config.max_rounds + 1):  # noqa: B007
        sol = solve(enc.capacity, enc.n_mentees, cand.em, cand.ee, cand.w, big)
        used = sol.used
        timings["solve"] += sol.solve_seconds
        timings["duals"] += sol.dual_seconds
        passes += sol.dual_passes
        t = time.perf_counter()
        # margin 1: the violations (reduced cost < 0) and the tight pruned pairs (= 0), for the tie-break
        found = near_pairs(enc, cand, sol, scorer, margin=1)
        timings["certify"] += time.perf_counter() - t
        scored += found.scored
        if not found.violations:
            certified, tight = True, found
            break
        added += found.violations
        cand.em, cand.ee, cand.w = cands.unique_edges(
            np.concatenate([cand.em, found.em]), np.concatenate([cand.ee, found.ee]),
            np.concatenate([cand.w, found.w]), enc.n_mentees)

    t = time.perf_counter()
    em, ee, w = (np.concatenate([x, y]) for x, y in ((cand.em, tight.em), (cand.ee, tight.ee), (cand.w, tight.w)))
    used = break_ties(enc.capacity, enc.n_mentees, em, ee, w, np.r_[used, np.zeros(len(tight.em), bool)], sol)
    timings["tie_break"] = time.perf_counter() - t

    t = time.perf_counter()
    by_id = {p.id: p for p in ordered}
    pairs: list[Pair] = []
    for m_id, e_id in forced_l:
        mentor, mentee = by_id[m_id], by_id[e_id]
        terms = breakdown(mentor, mentee, config)
        broken = hard_failures(mentor, mentee, config, reference_date)
        why = "forced by organisers" + (f" (breaks: {'; '.join(broken)})" if broken else "")
        pairs.append(Pair(m_id, e_id, round(sum(terms.values()), 6), terms,
                          why + "; " + reasons(mentor, mentee, config, reference_date), forced=True))
    matched = np.zeros(enc.n_mentees, dtype=bool)
    for i, j in zip(em[used].tolist(), ee[used].tolist(), strict=True):
        matched[j] = True
        mentor, mentee = ordered[int(enc.mentors.person[i])], ordered[int(enc.mentees.person[j])]
        terms = breakdown(mentor, mentee, config)
        pairs.append(Pair(mentor.id, mentee.id, round(sum(terms.values()), 6), terms,
                          reasons(mentor, mentee, config, reference_date)))
    pairs.sort(key=lambda p: (p.mentor_id, p.mentee_id))
    unmatched = [Unmatched(mentee_ids[j], unmatched_reason(enc, j, int(cand.mentee_allowed[j]), reference_date))
                 for j in np.flatnonzero(~matched).tolist()]
    timings["explain"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t_start
    stats: dict[str, int | float] = {
        "people": len(ordered), "mentors": enc.n_mentors, "mentees": enc.n_mentees + len(forced_mentees),
        "matched": len(pairs), "unmatched": len(unmatched), "forced": len(forced_l),
        "block_pairs": cand.block_pairs, "candidate_edges": len(cand.em), "full_graph": int(full),
        "rounds": rounds, "violators_added": added, "tight_pruned_pairs": len(tight.em), "pairs_scored_to_certify": scored, "dual_passes": passes,
    }
    return MatchResult(pairs, unmatched, round(sum(p.score for p in pairs), 6), certified, timings, stats)
