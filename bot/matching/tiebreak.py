"""Ties broken by id: among all optimal assignments, one chosen by a fixed rule on the ids.

Many assignments can share the best (matched, total score). The engine takes, among *all* of them, one
that maximises the tie weight ``Σ (n_mentors − rank(M)) × (n_mentees − rank(E))`` over its pairs, where
rank is the position in id order (0 = smallest id). So between equal-score alternatives the lower id wins
(two mentors tied for a mentee: the lower mentor id; a mentor tied between two mentees it cannot both take:
the lower mentee id), and tied mentors and mentees are paired in id order (lowest with lowest).

How, exactly: given the optimal flow and optimal dual prices (which :mod:`bot.matching.certify` proved
valid for every allowed pair), an assignment is optimal iff it uses every arc of negative reduced cost
and no arc of positive reduced cost (complementary slackness). So a second min-cost flow over the arcs of
zero reduced cost (every other arc fixed at its bound), with cost −tie weight, picks the optimal assignment
of largest tie weight. Pruned pairs of zero reduced cost are passed in and join that second flow, so the
choice does not depend on which pairs were candidates. The second flow never changes the matched count or
the total score (checked; on any mismatch the first flow is kept).
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from bot.matching.flow import FlowSolution
from bot.matching.scoring import I64


def tie_weight(em: I64, ee: I64, n_m: int, n_e: int) -> I64:
    """(n_mentors − i) × (n_mentees − j) for mentor node i and mentee node j (nodes are in id order)."""
    return (n_m - em) * (n_e - ee)


def break_ties(capacity: I64, n_e: int, em: I64, ee: I64, w: I64, used: np.ndarray, sol: FlowSolution) -> np.ndarray:
    """The optimal assignment of largest tie weight, as a bool per edge (edges may include pruned pairs
    of zero reduced cost, unused); ``used``/``sol`` are the optimal flow and its certified prices."""
    n_m = len(capacity)
    n_edges = len(em)
    s, t = n_m + n_e, n_m + n_e + 1
    price = np.concatenate([sol.mentor_price, -sol.mentee_price, [sol.source_price, sol.sink_price]])
    tails = np.concatenate([em, np.full(n_m, s), n_m + np.arange(n_e), [s]]).astype(np.int64)
    heads = np.concatenate([n_m + ee, np.arange(n_m), np.full(n_e, t), [t]]).astype(np.int64)
    caps = np.concatenate([np.ones(n_edges, np.int64), np.maximum(capacity, 0), np.ones(n_e, np.int64),
                           [n_e]]).astype(np.int64)
    costs = np.concatenate([-(sol.big + w), np.zeros(n_m + n_e + 1, np.int64)]).astype(np.int64)
    reduced = costs + price[tails] - price[heads]
    forced = (reduced < 0) & (caps > 0)
    free = (reduced == 0) & (caps > 0)
    supplies = np.zeros(t + 1, dtype=np.int64)
    supplies[s], supplies[t] = n_e, -n_e
    np.subtract.at(supplies, tails[forced], caps[forced])
    np.add.at(supplies, heads[forced], caps[forced])
    free_ix = np.flatnonzero(free)
    tie = np.zeros(len(tails), dtype=np.int64)
    tie[:n_edges] = tie_weight(em, ee, n_m, n_e)
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(tails[free_ix], heads[free_ix], caps[free_ix],
                                                        -tie[free_ix])
    solver.set_nodes_supplies(np.arange(t + 1), supplies)
    if solver.solve() != solver.OPTIMAL:
        return used
    flows = np.zeros(len(tails), dtype=np.int64)
    flows[forced] = caps[forced]
    flows[free_ix] = np.asarray(solver.flows(arcs), dtype=np.int64)
    chosen = flows[:n_edges] > 0
    if chosen.sum() != used.sum() or int(w[chosen].sum()) != int(w[used].sum()):
        return used
    if (np.bincount(em[chosen], minlength=n_m) > np.maximum(capacity, 0)).any() or \
            np.bincount(ee[chosen], minlength=n_e).max(initial=0) > 1:
        return used
    return chosen
