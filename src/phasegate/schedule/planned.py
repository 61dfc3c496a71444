"""Schedules of a plan: solver output mapped back to effort ids and size units."""

from __future__ import annotations

from dataclasses import dataclass

from phasegate.plan.model import Plan
from phasegate.plangraph import PlanGraph
from phasegate.schedule import heuristic
from phasegate.schedule.calendar import Slot
from phasegate.schedule.forecast import Forecast, Triple, calibration, simulate
from phasegate.schedule.model import Problem, Schedule
from phasegate.schedule.validate import check

RECOMMEND_WITHIN = 0.05  # a count is good enough within 5% of the best makespan


@dataclass(frozen=True)
class PlanSchedule:
    agents: int
    makespan: float
    lower_bound: float
    optimal: bool
    critical_path: float
    total_work: float
    slots: list[Slot]
    order: list[int]  # dispatch order of the nodes (start order)

    @property
    def utilisation(self) -> float:
        if self.makespan <= 0:
            return 0.0
        return self.total_work / (self.agents * self.makespan)


def problem_of(plan: Plan) -> tuple[PlanGraph, Problem]:
    g = PlanGraph.of(plan)
    return g, Problem.from_graph(g)


def schedule(
    plan: Plan, agents: int, *, optimal: bool = False, time_limit: float = 3.0, seed: int = 0
) -> PlanSchedule:
    g, p = problem_of(plan)
    return _solve(plan, g, p, agents, optimal, time_limit, seed)


def _solve(
    plan: Plan, g: PlanGraph, p: Problem, m: int, optimal: bool, time_limit: float, seed: int
) -> PlanSchedule:
    s: Schedule = heuristic.solve(p, m, seed=seed, time_limit=0.2, iterations=400)
    if optimal:
        from phasegate.schedule import exact

        s = exact.solve(p, m, time_limit=time_limit, seed=seed, start_from=s)
    check(p, s, m)
    k = p.scale
    titles = {e.id: e.title for e in plan.efforts}
    slots = [
        Slot(
            g.nodes[u].id,
            titles.get(g.nodes[u].id, ""),
            s.agent[u] + 1,
            s.start[u] / k,
            (s.start[u] + p.dur[u]) / k,
        )
        for u in sorted(range(g.n_efforts), key=lambda u: (s.start[u], s.agent[u]))
    ]
    pos = {u: i for i, u in enumerate(p.order)}
    order = sorted(range(p.n), key=lambda u: (s.start[u], pos[u]))
    return PlanSchedule(
        m,
        s.makespan / k,
        s.lower_bound / k,
        s.optimal,
        g.analysis.length,
        p.total_work / k,
        slots,
        order,
    )


def curve(
    plan: Plan, lo: int, hi: int, *, optimal: bool = False, time_limit: float = 3.0, seed: int = 0
) -> tuple[list[PlanSchedule], int]:
    """Schedules for every agent count in lo..hi and the recommended count: the smallest
    whose makespan is within 5% of the best."""
    g, p = problem_of(plan)
    out = [_solve(plan, g, p, m, optimal, time_limit, seed) for m in range(lo, hi + 1)]
    best = min(s.makespan for s in out)
    pick = next(s.agents for s in out if s.makespan <= best * (1 + RECOMMEND_WITHIN) + 1e-9)
    return out, pick


def estimates(plan: Plan, g: PlanGraph) -> list[Triple | None]:
    """Three-point estimate per node; an effort without one is its size, milestones None."""
    out: list[Triple | None] = []
    for node in g.nodes:
        e = plan.effort(node.id)
        if e.estimate is None:
            out.append((e.size, e.size, e.size))
            continue
        lo, hi = e.estimate.low, e.estimate.high
        likely = e.estimate.likely
        if likely is None:
            likely = e.size if lo <= e.size <= hi else (lo + hi) / 2
        out.append((lo, likely, hi))
    return out + [None] * (g.dag.n - g.n_efforts)


def forecast(
    plan: Plan,
    agents: int,
    *,
    ratios: list[float] | None = None,
    runs: int = 2000,
    seed: int = 0,
    dist: str = "pert",
) -> tuple[PlanSchedule, Forecast]:
    g, p = problem_of(plan)
    base = _solve(plan, g, p, agents, False, 0.0, seed)
    fc = simulate(
        p,
        agents,
        base.order,
        estimates(plan, g),
        runs=runs,
        seed=seed,
        dist=dist,
        factor=calibration(ratios or []),
    )
    return base, fc
