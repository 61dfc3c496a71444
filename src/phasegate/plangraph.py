"""The plan as a graph: efforts plus one zero-length milestone per phase gate.

Built from a neutral description so the validator (on raw, possibly broken data) and the
analysis commands (on a valid Plan) share one construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from phasegate import graph

if TYPE_CHECKING:
    from phasegate.plan.model import Plan


@dataclass(frozen=True)
class Node:
    id: str
    phase: str | None
    depends_on: tuple[str, ...]
    size: float = 1.0
    wave: int | None = None


@dataclass(frozen=True)
class PhaseNode:
    id: str
    after: tuple[str, ...]


@dataclass
class PlanGraph:
    nodes: list[Node]
    phases: list[PhaseNode]
    release_of: dict[str, float] = field(default_factory=dict)  # external id -> available
    index: dict[str, int] = field(init=False)
    phase_index: dict[str, int] = field(init=False)
    dag: graph.Dag = field(init=False)

    def __post_init__(self) -> None:
        self.index = {}
        for i, n in enumerate(self.nodes):
            self.index.setdefault(n.id, i)
        self.phase_index = {}
        for k, p in enumerate(self.phases):
            self.phase_index.setdefault(p.id, k)
        ne = len(self.nodes)
        edges: list[tuple[int, int]] = []
        for i, n in enumerate(self.nodes):
            for d in n.depends_on:
                j = self.index.get(d)
                if j is not None:
                    edges.append((j, i))
            pk = self.phase_index.get(n.phase) if n.phase is not None else None
            if pk is not None:
                edges.append((i, ne + pk))
                for a in self.phases[pk].after:
                    ka = self.phase_index.get(a)
                    if ka is not None:
                        edges.append((ne + ka, i))
        for k, p in enumerate(self.phases):
            for a in p.after:
                ka = self.phase_index.get(a)
                if ka is not None:
                    edges.append((ne + ka, ne + k))
        self.dag = graph.Dag.from_edges(ne + len(self.phases), edges)

    @staticmethod
    def of(plan: Plan) -> PlanGraph:
        """The graph of `plan`, built once per plan object however many modules ask."""
        hit = _MEMO.get(id(plan))
        if hit is not None and hit[0] is plan:
            return hit[1]
        nodes = [
            Node(e.id, plan.phase_of(e), tuple(e.depends_on), e.size, e.wave) for e in plan.efforts
        ]
        phases = [PhaseNode(p.id, tuple(plan.phase_after(i))) for i, p in enumerate(plan.phases)]
        release = {x.id: x.available for x in plan.external}
        return remember(plan, PlanGraph(nodes, phases, release))

    @property
    def n_efforts(self) -> int:
        return len(self.nodes)

    def is_effort(self, u: int) -> bool:
        return u < len(self.nodes)

    def milestone(self, phase_id: str) -> int:
        return len(self.nodes) + self.phase_index[phase_id]

    def name(self, u: int) -> str:
        if u < len(self.nodes):
            return self.nodes[u].id
        return f"gate:{self.phases[u - len(self.nodes)].id}"

    @cached_property
    def order(self) -> list[int]:
        return graph.topological_order(self.dag)

    @cached_property
    def weights(self) -> list[float]:
        return [n.size for n in self.nodes] + [0.0] * len(self.phases)

    @cached_property
    def releases(self) -> list[float]:
        out = [0.0] * self.dag.n
        for i, n in enumerate(self.nodes):
            for d in n.depends_on:
                r = self.release_of.get(d)
                if r and r > out[i]:
                    out[i] = r
        return out

    @cached_property
    def computed_levels(self) -> list[int]:
        step = [1] * len(self.nodes) + [0] * len(self.phases)
        return graph.levels(self.dag, self.order, step)

    @property
    def labelled(self) -> bool:
        return bool(self.nodes) and all(n.wave is not None for n in self.nodes)

    def wave_numbers(self) -> list[int]:
        """Wave of each effort: its label when every effort has one, else its generation."""
        if self.labelled:
            return [n.wave or 0 for n in self.nodes]
        return self.computed_levels[: len(self.nodes)]

    def waves(self) -> list[list[str]]:
        numbers = self.wave_numbers()
        by: dict[int, list[str]] = {}
        for n, w in zip(self.nodes, numbers, strict=True):
            by.setdefault(w, []).append(n.id)
        return [by[w] for w in sorted(by)]

    @cached_property
    def analysis(self) -> graph.PathAnalysis:
        return graph.critical_path(self.dag, self.order, self.weights, self.releases)

    def critical_efforts(self) -> list[str]:
        return [self.nodes[u].id for u in self.analysis.path if self.is_effort(u)]

    def slack(self) -> dict[str, float]:
        a = self.analysis
        return {n.id: a.slack[i] for i, n in enumerate(self.nodes)}

    def remaining_path(self) -> list[float]:
        """Length of the longest path from each effort's start to the end (dispatch priority)."""
        tail = [0.0] * self.dag.n
        w = self.weights
        for u in reversed(self.order):
            best = 0.0
            for s in self.dag.succ[u]:
                if tail[s] > best:
                    best = tail[s]
            tail[u] = best + w[u]
        return tail[: len(self.nodes)]

    def concurrent(self, a: str, b: str) -> bool:
        """May efforts a and b run at the same time (neither reaches the other)?"""
        ia, ib = self.index[a], self.index[b]
        return ib not in self._reach(ia) and ia not in self._reach(ib)

    def _reach(self, u: int) -> set[int]:
        cache = self.__dict__.setdefault("_reach_cache", {})
        if u not in cache:
            cache[u] = graph.descendants(self.dag, u)
        found: set[int] = cache[u]
        return found

    def depends_transitively(self, effort: str, on: str) -> bool:
        return self.index[effort] in self._reach(self.index[on])

    def profile(self) -> list[tuple[float, float, int]]:
        a = self.analysis
        return graph.parallelism_profile(a.earliest_start, self.weights)

    def dependents(self, effort: str) -> list[str]:
        """Efforts that (transitively) depend on `effort`, in plan order."""
        reach = self._reach(self.index[effort])
        return [self.nodes[u].id for u in sorted(reach) if self.is_effort(u)]


# Plans are immutable, so a graph stays valid for its plan object. Keyed by identity (plans
# are large to hash and cannot be weakly referenced); each entry holds its plan so the id
# cannot be reused while the entry lives.
_MEMO: dict[int, tuple[Plan, PlanGraph]] = {}
_MEMO_SIZE = 8


def remember(plan: Plan, g: PlanGraph) -> PlanGraph:
    """Record `g` as the graph of `plan` (the loader hands over the one validation built)."""
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[id(plan)] = (plan, g)
    return g


def ids_in_order(g: PlanGraph, ids: Sequence[str]) -> list[str]:
    pos = {u: k for k, u in enumerate(g.order)}
    return sorted(ids, key=lambda i: pos[g.index[i]])
