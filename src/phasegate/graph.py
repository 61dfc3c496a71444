"""Pure DAG algorithms on integer-indexed adjacency lists.

Nodes are 0..n-1. A node may be a *milestone* (weight 0, not a unit of work): phase gates
are milestones, so "phase B starts after phase A's gate" costs one node and |A|+|B| edges
instead of |A|*|B|.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Dag:
    n: int
    succ: tuple[tuple[int, ...], ...]
    pred: tuple[tuple[int, ...], ...]

    @staticmethod
    def from_edges(n: int, edges: Sequence[tuple[int, int]]) -> Dag:
        succ: list[list[int]] = [[] for _ in range(n)]
        pred: list[list[int]] = [[] for _ in range(n)]
        seen: set[tuple[int, int]] = set()
        for u, v in edges:
            if (u, v) in seen:
                continue
            seen.add((u, v))
            succ[u].append(v)
            pred[v].append(u)
        return Dag(n, tuple(map(tuple, succ)), tuple(map(tuple, pred)))


def find_cycle(n: int, succ: Sequence[Sequence[int]]) -> list[int] | None:
    """One cycle as [a, b, ..., a], or None. Iterative DFS: plans can be deep."""
    color = [0] * n  # 0 new, 1 on stack, 2 done
    parent = [-1] * n
    for start in range(n):
        if color[start]:
            continue
        stack: list[tuple[int, int]] = [(start, 0)]
        color[start] = 1
        while stack:
            u, i = stack[-1]
            nxt = succ[u]
            if i < len(nxt):
                stack[-1] = (u, i + 1)
                v = nxt[i]
                if color[v] == 0:
                    color[v] = 1
                    parent[v] = u
                    stack.append((v, 0))
                elif color[v] == 1:
                    cycle = [v]
                    w = u
                    while w != v:
                        cycle.append(w)
                        w = parent[w]
                    cycle.append(v)
                    cycle.reverse()
                    return cycle
            else:
                color[u] = 2
                stack.pop()
    return None


def topological_order(dag: Dag) -> list[int]:
    """Kahn's algorithm, smallest index first among ready nodes (stable, plan order).

    Raises ValueError when the graph has a cycle; callers validate first.
    """
    import heapq

    indeg = [len(p) for p in dag.pred]
    heap = [i for i in range(dag.n) if indeg[i] == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        u = heapq.heappop(heap)
        order.append(u)
        for v in dag.succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                heapq.heappush(heap, v)
    if len(order) != dag.n:
        raise ValueError("graph has a cycle")
    return order


def levels(dag: Dag, order: Sequence[int], step: Sequence[int]) -> list[int]:
    """Generation of each node: 1 + max over predecessors, where a node adds `step[u]`.

    With step 1 for efforts and 0 for milestones, the levels of efforts are their waves
    (topological generations that honour phase gates).
    """
    lvl = [0] * dag.n
    for u in order:
        best = 0
        for p in dag.pred[u]:
            if lvl[p] > best:
                best = lvl[p]
        lvl[u] = best + step[u]
    return lvl


@dataclass(frozen=True)
class PathAnalysis:
    length: float
    path: list[int]  # nodes of one critical path, in order (milestones included)
    earliest_start: list[float]
    latest_start: list[float]
    slack: list[float]


def critical_path(
    dag: Dag,
    order: Sequence[int],
    weight: Sequence[float],
    release: Sequence[float] | None = None,
) -> PathAnalysis:
    """Longest weighted path, earliest/latest start and slack for every node.

    `release[u]` is the earliest time u may start (work outside the plan that lands later).
    Ties go to the first predecessor listed, so the reported path follows plan order.
    """
    n = dag.n
    es = [0.0] * n
    ef = [0.0] * n
    via = [-1] * n
    for u in order:
        start = release[u] if release is not None else 0.0
        for p in dag.pred[u]:
            if ef[p] > start:
                start = ef[p]
                via[u] = p
        es[u] = start
        ef[u] = start + weight[u]
    length = max(ef, default=0.0)
    lf = [length] * n
    for u in reversed(order):
        finish = length
        for s in dag.succ[u]:
            ls_s = lf[s] - weight[s]
            if ls_s < finish:
                finish = ls_s
        lf[u] = finish
    ls = [lf[u] - weight[u] for u in range(n)]
    slack = [ls[u] - es[u] for u in range(n)]
    path: list[int] = []
    if n:
        # The end of the path: the first node (in topological order) finishing last.
        end = -1
        for u in order:
            if ef[u] == length and (end == -1 or _prefer(u, end, weight)):
                end = u
        u = end
        while u != -1:
            path.append(u)
            u = via[u]
        path.reverse()
    return PathAnalysis(length, path, es, ls, slack)


def _prefer(u: int, current: int, weight: Sequence[float]) -> bool:
    # A zero-weight milestone finishing at the same time is not a better end than real work.
    return weight[current] == 0 and weight[u] > 0


def parallelism_profile(
    earliest_start: Sequence[float], weight: Sequence[float]
) -> list[tuple[float, float, int]]:
    """(start, end, count) intervals of how many nodes run at once if all start earliest."""
    events: dict[float, int] = {}
    for s, w in zip(earliest_start, weight, strict=True):
        if w <= 0:
            continue
        events[s] = events.get(s, 0) + 1
        events[s + w] = events.get(s + w, 0) - 1
    out: list[tuple[float, float, int]] = []
    running = 0
    times = sorted(events)
    for a, b in pairwise(times):
        running += events[a]
        if running and (not out or out[-1][2] != running or out[-1][1] != a):
            out.append((a, b, running))
        elif running:
            out[-1] = (out[-1][0], b, running)
    return out


def ancestors(dag: Dag, node: int) -> set[int]:
    seen: set[int] = set()
    stack = list(dag.pred[node])
    while stack:
        u = stack.pop()
        if u not in seen:
            seen.add(u)
            stack.extend(dag.pred[u])
    return seen


def descendants(dag: Dag, node: int) -> set[int]:
    seen: set[int] = set()
    stack = list(dag.succ[node])
    while stack:
        u = stack.pop()
        if u not in seen:
            seen.add(u)
            stack.extend(dag.succ[u])
    return seen
