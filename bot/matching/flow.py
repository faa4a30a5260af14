"""Sparse min-cost flow over candidate edges (OR-Tools) and dual prices by shortest paths (numpy).

Network: source → mentor (capacity = places left, cost 0) → mentee (capacity 1, cost −(BIG + w)) → sink
(capacity 1, cost 0), plus a bypass source → sink arc so that any amount of flow is allowed. ``BIG`` is
larger than any total score, so the minimum cost matches the most mentees first, then takes the largest
total score. OR-Tools does not expose duals; :func:`potentials` recovers them as shortest-path distances on
the residual graph from a virtual root (Bellman-Ford, vectorised: one numpy pass relaxes every arc).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from bot.matching.scoring import I64


class SolverError(RuntimeError):
    pass


@dataclass
class FlowSolution:
    used: np.ndarray  # bool per candidate edge
    mentor_price: I64  # A_i: distance of mentor node i
    mentee_price: I64  # B_j: minus the distance of mentee node j
    big: int
    solve_seconds: float
    dual_seconds: float
    dual_passes: int
    source_price: int = 0
    sink_price: int = 0

    def slack(self, mi: I64, ej: I64) -> I64:
        """A_i + B_j − BIG: a pair (i, j) outside the graph is priced out iff its score ≤ this."""
        return self.mentor_price[mi] + self.mentee_price[ej] - self.big


def big_m(n_mentees: int, capacity: I64, max_w: int) -> int:
    most = min(n_mentees, int(np.maximum(capacity, 0).sum()))
    return max(1, most) * (max_w + 1) + 1


def solve(capacity: I64, n_e: int, em: I64, ee: I64, w: I64, big: int) -> FlowSolution:
    """Most mentees, then the largest total score, over the candidate edges; with dual prices.

    OR-Tools' ``solve_max_flow_with_min_cost`` (costs −w) gives the lexicographic optimum directly (about
    twice as fast as a big-M cost); the dual prices are then those of the equivalent big-M network with a
    bypass arc, whose residual graph is built from the same flow.
    """
    import time

    n_m = len(capacity)
    s, t = n_m + n_e, n_m + n_e + 1
    n_edges = len(em)
    cap = np.maximum(capacity, 0).astype(np.int64)
    tails = np.concatenate([em, np.full(n_m, s), n_m + np.arange(n_e)]).astype(np.int64)
    heads = np.concatenate([n_m + ee, np.arange(n_m), np.full(n_e, t)]).astype(np.int64)
    caps = np.concatenate([np.ones(n_edges, np.int64), cap, np.ones(n_e, np.int64)]).astype(np.int64)
    t0 = time.perf_counter()
    flow_solver = min_cost_flow.SimpleMinCostFlow()
    arcs = flow_solver.add_arcs_with_capacity_and_unit_cost(
        tails, heads, caps, np.concatenate([-w, np.zeros(n_m + n_e, np.int64)]).astype(np.int64))
    supplies = np.zeros(t + 1, dtype=np.int64)
    supplies[s], supplies[t] = n_e, -n_e
    flow_solver.set_nodes_supplies(np.arange(t + 1), supplies)
    status = flow_solver.solve_max_flow_with_min_cost()
    if status != flow_solver.OPTIMAL:
        raise SolverError(f"min-cost flow failed: {status}")
    flows = np.asarray(flow_solver.flows(arcs), dtype=np.int64)
    t1 = time.perf_counter()
    matched = int(flows[:n_edges].sum())
    # the big-M network: edge cost −(BIG + w), plus the bypass source → sink (capacity n_e, cost 0)
    tails = np.concatenate([tails, [s]])
    heads = np.concatenate([heads, [t]])
    caps = np.concatenate([caps, [n_e]])
    costs = np.concatenate([-(big + w), np.zeros(n_m + n_e + 1, np.int64)]).astype(np.int64)
    flows = np.concatenate([flows, [n_e - matched]])
    dist, passes = potentials(t + 1, tails, heads, caps, costs, flows, lowest=True)
    t2 = time.perf_counter()
    return FlowSolution(flows[:n_edges] > 0, dist[:n_m], -dist[n_m: n_m + n_e], big, t1 - t0, t2 - t1, passes,
                        int(dist[s]), int(dist[t]))


def potentials(
    n: int, tails: I64, heads: I64, caps: I64, costs: I64, flows: I64, lowest: bool = False
) -> tuple[I64, int]:
    """Node prices under which every residual arc has a non-negative reduced cost.

    Default: shortest distances from a virtual root (0-cost arc to every node), the highest such prices
    (≤ 0). ``lowest``: minus the shortest distances to a virtual sink, the lowest (≥ 0). The flow is optimal,
    so the residual graph has no negative cycle. Jacobi Bellman-Ford: each pass relaxes all arcs at once.
    The lowest prices make mentees dear and mentors cheap, which clears about half as many pruned pairs
    as the highest ones fail to (certification needs ``A_i + B_j − BIG ≥ w``).
    """
    fwd = flows < caps
    bwd = flows > 0
    r_tail = np.concatenate([tails[fwd], heads[bwd]])
    r_head = np.concatenate([heads[fwd], tails[bwd]])
    r_cost = np.concatenate([costs[fwd], -costs[bwd]])
    if lowest:  # distances *to* a virtual sink on the same residual graph, negated
        r_tail, r_head = r_head, r_tail
    order = np.argsort(r_head, kind="stable")
    r_tail, r_head, r_cost = r_tail[order], r_head[order], r_cost[order]
    starts = np.flatnonzero(np.r_[True, r_head[1:] != r_head[:-1]]) if len(r_head) else np.zeros(0, np.int64)
    targets = r_head[starts]
    dist = np.zeros(n, dtype=np.int64)
    for passes in range(1, n + 2):
        best = np.minimum.reduceat(dist[r_tail] + r_cost, starts) if len(starts) else np.zeros(0, np.int64)
        improve = best < dist[targets]
        if not improve.any():
            return (-dist if lowest else dist), passes
        dist[targets[improve]] = best[improve]
    raise SolverError("negative cycle in the residual graph: the flow is not optimal")
