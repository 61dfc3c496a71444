"""Exact schedules with OR-Tools CP-SAT, warm-started from the heuristic."""

from __future__ import annotations

import time

from phasegate.schedule import heuristic, packing
from phasegate.schedule.bounds import levels, lower_bound
from phasegate.schedule.model import Problem, Schedule, assign_agents

# Share of the time limit the packing search may take before CP-SAT gets the rest.
PACKING_SHARE = 0.3


def solve(
    p: Problem,
    m: int,
    *,
    time_limit: float = 3.0,
    workers: int = 2,
    seed: int = 0,
    start_from: Schedule | None = None,
) -> Schedule:
    """Optimal schedule when CP-SAT proves it within the time limit, else the best found.

    `optimal` is True only when the makespan equals a proven lower bound: ours, or the
    bound CP-SAT establishes itself.
    """
    t0 = time.monotonic()
    lv = levels(p)
    lb = lower_bound(p, m, lv)
    hint = start_from or heuristic.solve(p, m, seed=seed)
    if hint.makespan <= lb:
        return Schedule(hint.start, hint.agent, hint.makespan, lb, True, "exact")
    # A schedule ending at the lower bound, when one exists, is usually a tight packing:
    # the depth-first search finds those far sooner than CP-SAT (and proves them optimal,
    # since nothing ends before the bound).
    packed = packing.search(p, m, lb, PACKING_SHARE * time_limit)
    if packed is not None:
        return Schedule(tuple(packed), assign_agents(p, packed, m), lb, lb, True, "exact")
    time_limit -= time.monotonic() - t0

    from ortools.sat.python import cp_model

    ub = hint.makespan
    model = cp_model.CpModel()
    starts = []
    intervals = []
    for u in range(p.n):
        d = p.dur[u]
        # Heads and tails prune the domains: u cannot start before its head, nor so late
        # that the work after it overruns the incumbent.
        s = model.new_int_var(lv.head[u], ub - d - lv.tail[u], f"s{u}")
        starts.append(s)
        if p.occupies(u):
            intervals.append(model.new_fixed_size_interval_var(s, d, f"i{u}"))
    for u in range(p.n):
        for q in p.pred[u]:
            model.add(starts[u] >= starts[q] + p.dur[q])
    span = model.new_int_var(lb, ub, "makespan")
    for u in range(p.n):
        if not p.succ[u]:
            model.add(span >= starts[u] + p.dur[u])
    if intervals:
        model.add_cumulative(intervals, [1] * len(intervals), m)
    for u in range(p.n):
        model.add_hint(starts[u], hint.start[u])
    model.add_hint(span, hint.makespan)
    model.minimize(span)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Time ran out before CP-SAT found any schedule: the hint still stands.
        return Schedule(hint.start, hint.agent, hint.makespan, lb, False, "exact")
    start = [int(solver.value(s)) for s in starts]
    value = int(solver.value(span))
    if value >= hint.makespan:
        start, value = list(hint.start), hint.makespan
    proven = max(lb, int(solver.best_objective_bound))
    optimal = status == cp_model.OPTIMAL or value <= proven
    return Schedule(
        tuple(start),
        assign_agents(p, start, m),
        value,
        max(lb, min(proven, value)),
        optimal,
        "exact",
    )
