"""`python -m bot bench matching`: the engine against a greedy baseline on synthetic cohorts.

Each size runs in a fresh process (spawn). Memory is measured there as the growth of the process's peak
resident set (``ru_maxrss``) across the match call, over the resident set just before it (profiles built,
libraries loaded): this counts numpy buffers and OR-Tools' C++ memory, which ``tracemalloc`` would miss.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

DEFAULT_SIZES: tuple[tuple[int, int], ...] = ((400, 200), (10_000, 4_000), (50_000, 20_000))
REFERENCE_DATE = date(2026, 11, 24)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def greedy(enc: Any, em: np.ndarray, ee: np.ndarray, w: np.ndarray) -> tuple[int, int]:
    """Best-score-first greedy over the candidate edges: (matched, total integer score)."""
    order = np.lexsort((ee, em, -w))
    cap = enc.capacity.copy()
    taken = np.zeros(enc.n_mentees, dtype=bool)
    matched = total = 0
    for i, j, s in zip(em[order].tolist(), ee[order].tolist(), w[order].tolist(), strict=True):
        if cap[i] > 0 and not taken[j]:
            cap[i] -= 1
            taken[j] = True
            matched += 1
            total += s
    return matched, total


def run_size(n_mentees: int, n_mentors: int, seed: int) -> dict[str, Any]:
    """One benchmark size (meant to run in its own process)."""
    from bot.matching import candidates as cands
    from bot.matching.config import MatchingConfig
    from bot.matching.encode import SCALE, encode
    from bot.matching.engine import _prepare, match
    from bot.matching.synth import cohort

    people = cohort(n_mentees, n_mentors, seed=seed)
    config = MatchingConfig()
    before = _rss_mb()
    t0 = time.perf_counter()
    result = match(people, config, reference_date=REFERENCE_DATE)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # greedy baseline on the same two-sided top-k candidate edges
    t0 = time.perf_counter()
    ordered, left = _prepare(people, [], {}, config)
    enc = encode(ordered, config, REFERENCE_DATE, [p.id for p in ordered if p.can_mentor],
                 [p.id for p in ordered if p.can_be_mentee], left, [])
    cand = cands.generate(enc, config.top_k, False, int(round(config.max_score * SCALE)) + 64)
    g_matched, g_total = greedy(enc, cand.em, cand.ee, cand.w)
    g_wall = time.perf_counter() - t0
    t = result.timings
    return {
        "size": f"{n_mentees:,} × {n_mentors:,}", "people": len(people), "mentees": result.stats["mentees"],
        "mentors": result.stats["mentors"], "pairs_checked": result.stats["block_pairs"],
        "candidate_edges": result.stats["candidate_edges"], "candidates_s": t["candidates"],
        "solve_s": t["solve"] + t["duals"], "certify_s": t["certify"], "tie_s": t["tie_break"],
        "other_s": t["encode"] + t["explain"], "total_s": wall, "peak_mb": max(0.0, peak - before),
        "matched": result.matched_count, "total_score": result.total_score, "certified": result.certified,
        "rounds": result.stats["rounds"], "violators": result.stats["violators_added"],
        "scored_to_certify": result.stats["pairs_scored_to_certify"],
        "greedy_matched": g_matched, "greedy_score": g_total / SCALE, "greedy_s": g_wall,
    }


def bench_matching(
    sizes: Sequence[tuple[int, int]] = DEFAULT_SIZES, seed: int = 0, console: Console | None = None,
    include_large: bool = True,
) -> list[dict[str, Any]]:
    """Run each (mentees, mentors) size in a fresh process; print a rich table; return the rows."""
    console = console or Console()
    ctx = multiprocessing.get_context("spawn")
    rows: list[dict[str, Any]] = []
    for n_e, n_m in sizes:
        if not include_large and n_e * n_m > 10_000 * 4_000:
            continue
        console.print(f"matching {n_e:,} mentees × {n_m:,} mentors …")
        with ctx.Pool(1) as pool:
            rows.append(pool.apply(run_size, (n_e, n_m, seed)))
    table = Table(title="Matching benchmark (synthetic cohorts, capacities 1–3; greedy on the same candidates)")
    table.add_column("")
    for r in rows:
        table.add_column(r["size"], justify="right")

    def line(label: str, fmt: Any) -> None:
        table.add_row(label, *(fmt(r) for r in rows))

    line("people (mentees / mentors)", lambda r: f"{r['people']:,} ({r['mentees']:,} / {r['mentors']:,})")
    line("pairs checked", lambda r: f"{r['pairs_checked']:,}")
    line("candidate edges", lambda r: f"{r['candidate_edges']:,}")
    line("candidate generation s", lambda r: f"{r['candidates_s']:.2f}")
    line("flow solves + duals s", lambda r: f"{r['solve_s']:.2f}")
    line("certification s", lambda r: f"{r['certify_s']:.2f}")
    line("certification rounds", lambda r: f"{r['rounds']} (+{r['violators']:,} edges, "
                                          f"{r['scored_to_certify']:,} pairs re-scored)")
    line("tie-break s", lambda r: f"{r['tie_s']:.2f}")
    line("encode + explain s", lambda r: f"{r['other_s']:.2f}")
    line("total s", lambda r: f"{r['total_s']:.2f}")
    line("peak memory MB", lambda r: f"{r['peak_mb']:.0f}")
    line("matched", lambda r: f"{r['matched']:,}")
    line("total score", lambda r: f"{r['total_score']:,.1f}")
    line("certified optimal", lambda r: "yes" if r["certified"] else "no")
    line("greedy matched (vs optimum)",
         lambda r: f"{r['greedy_matched']:,} ({r['greedy_matched'] / max(r['matched'], 1):.1%})")
    line("greedy score (vs optimum)",
         lambda r: f"{r['greedy_score']:,.1f} ({r['greedy_score'] / max(r['total_score'], 1e-9):.1%})")
    line("greedy s (incl. candidates)", lambda r: f"{r['greedy_s']:.2f}")
    console.print(table)
    return rows
