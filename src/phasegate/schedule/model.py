"""Scheduling problems and schedules as plain integer arrays.

The solvers never see plan objects: a plan becomes a `Problem` once (sizes scaled to
integers), and the STG benchmark builds the same `Problem` straight from a file, so both
run exactly the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from phasegate.errors import UsageError

if TYPE_CHECKING:
    from phasegate.plangraph import PlanGraph

_MAX_SCALE = 10**6


@dataclass(frozen=True)
class Problem:
    """P|prec|Cmax with release times: n nodes, some of them zero-length milestones.

    `work[u]` is False for milestones (phase gates): they take no agent. `scale` is the
    factor that turned the plan's sizes into the integers in `dur` and `release`.
    """

    dur: tuple[int, ...]
    succ: tuple[tuple[int, ...], ...]
    pred: tuple[tuple[int, ...], ...]
    release: tuple[int, ...]
    work: tuple[bool, ...]
    order: tuple[int, ...]
    scale: int = 1

    @property
    def n(self) -> int:
        return len(self.dur)

    @property
    def total_work(self) -> int:
        return sum(d for d, w in zip(self.dur, self.work, strict=True) if w)

    def occupies(self, u: int) -> bool:
        """Does u hold an agent for a positive time?"""
        return self.work[u] and self.dur[u] > 0

    def reversed(self) -> Problem:
        """The same graph with every edge turned round (releases dropped)."""
        return Problem(
            self.dur,
            self.pred,
            self.succ,
            (0,) * self.n,
            self.work,
            tuple(reversed(self.order)),
            self.scale,
        )

    @staticmethod
    def of(
        dur: Sequence[int],
        pred: Sequence[Sequence[int]],
        release: Sequence[int] | None = None,
        work: Sequence[bool] | None = None,
        scale: int = 1,
    ) -> Problem:
        """Build from durations and predecessor lists; raises ValueError on a cycle."""
        n = len(dur)
        succ: list[list[int]] = [[] for _ in range(n)]
        for v, ps in enumerate(pred):
            for u in ps:
                succ[u].append(v)
        order = _topological(n, pred, succ)
        return Problem(
            tuple(int(d) for d in dur),
            tuple(tuple(s) for s in succ),
            tuple(tuple(p) for p in pred),
            tuple(int(r) for r in release) if release is not None else (0,) * n,
            tuple(work) if work is not None else (True,) * n,
            tuple(order),
            scale,
        )

    @staticmethod
    def from_graph(g: PlanGraph) -> Problem:
        sizes = list(g.weights)
        releases = list(g.releases)
        scale = integer_scale([*sizes, *releases])
        return Problem.of(
            [round(s * scale) for s in sizes],
            g.dag.pred,
            [round(r * scale) for r in releases],
            [g.is_effort(u) for u in range(g.dag.n)],
            scale,
        )


def integer_scale(values: Sequence[float]) -> int:
    """Smallest power of ten that makes every value a whole number (sizes like 0.5 days)."""
    scale = 1
    for v in values:
        while scale < _MAX_SCALE and not float(Fraction(v) * scale).is_integer():
            scale *= 10
        if not float(Fraction(v) * scale).is_integer():
            raise UsageError(
                f"size {v} has more than {len(str(_MAX_SCALE)) - 1} decimals; round it"
            )
    return scale


def _topological(n: int, pred: Sequence[Sequence[int]], succ: Sequence[Sequence[int]]) -> list[int]:
    indeg = [len(p) for p in pred]
    stack = [u for u in range(n - 1, -1, -1) if indeg[u] == 0]
    order: list[int] = []
    while stack:
        u = stack.pop()
        order.append(u)
        for v in reversed(succ[u]):
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    if len(order) != n:
        raise ValueError("graph has a cycle")
    return order


@dataclass(frozen=True)
class Schedule:
    """Start of every node and the agent of every effort (-1 for milestones)."""

    start: tuple[int, ...]
    agent: tuple[int, ...]
    makespan: int
    lower_bound: int
    optimal: bool
    method: str

    def end(self, p: Problem, u: int) -> int:
        return self.start[u] + p.dur[u]


def makespan_of(p: Problem, start: Sequence[int]) -> int:
    return max((start[u] + p.dur[u] for u in range(p.n)), default=0)


def assign_agents(p: Problem, start: Sequence[int], m: int) -> tuple[int, ...]:
    """Colour the intervals with agents 0..m-1.

    Taking intervals by start and reusing the agent that became free earliest never needs
    more agents than the largest number of overlapping intervals, so a schedule that keeps
    at most m efforts running at once always gets a valid assignment.
    """
    import heapq

    agent = [-1] * p.n
    free = list(range(m))
    busy: list[tuple[int, int]] = []  # (end, agent)
    items = sorted((start[u], u) for u in range(p.n) if p.work[u])
    for s, u in items:
        while busy and busy[0][0] <= s:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if p.dur[u] == 0:
            # Takes no time: any agent will do; give it the one that just finished.
            agent[u] = free[0] if free else busy[0][1]
            continue
        if not free:
            raise ValueError("more than m efforts run at once")
        k = heapq.heappop(free)
        agent[u] = k
        heapq.heappush(busy, (s + p.dur[u], k))
    return tuple(agent)
