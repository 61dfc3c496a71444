"""Exact schedules: a lower bound, then searches that try to meet it, then CP-SAT.

Most optima of these problems equal a lower bound, so exact mode first tries to reach the
bound itself: the packing search (schedule/packing.py), then CP-SAT asked only whether a
schedule ending by the bound exists (tight domains propagate far better than a loose
horizon with an objective). A target proven impossible raises the bound by one and the
tries go on; what time is left goes to CP-SAT minimising the makespan from the heuristic's
schedule.
"""

from __future__ import annotations

import time
from typing import Any

from phasegate.schedule import heuristic, packing
from phasegate.schedule.bounds import Levels, levels, lower_bound
from phasegate.schedule.model import Problem, Schedule, assign_agents

# Shares of the time left that the packing search and then the feasibility model may take
# at each target before minimisation gets the rest.
PACKING_SHARE = 0.2
FEASIBLE_SHARE = 0.35


def solve(
    p: Problem,
    m: int,
    *,
    time_limit: float = 3.0,
    workers: int = 2,
    seed: int = 0,
    start_from: Schedule | None = None,
) -> Schedule:
    """Optimal schedule when it is proven within the time limit, else the best found.

    `optimal` is True only when the makespan equals a proven lower bound: ours, one raised
    by a target proven impossible, or the bound CP-SAT establishes while minimising.
    """
    deadline = time.monotonic() + time_limit
    lv = levels(p)
    lb = lower_bound(p, m, lv)
    hint = start_from or heuristic.solve(p, m, seed=seed)
    while hint.makespan > lb:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        packed, impossible = packing.attempt(p, m, lb, PACKING_SHARE * left)
        if packed is not None:
            return Schedule(tuple(packed), assign_agents(p, packed, m), lb, lb, True, "exact")
        if impossible:
            lb += 1  # the search tried everything: nothing ends by lb
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            break
        found, impossible = _meets(p, m, lv, lb, FEASIBLE_SHARE * left, workers, seed, hint)
        if found is not None:
            return Schedule(tuple(found), assign_agents(p, found, m), lb, lb, True, "exact")
        if not impossible:
            break
        lb += 1  # nothing ends by lb: the optimum is later
    if hint.makespan <= lb:
        return Schedule(hint.start, hint.agent, hint.makespan, lb, True, "exact")
    return _minimise(p, m, lv, lb, hint, deadline - time.monotonic(), workers, seed)


def _model(p: Problem, m: int, lv: Levels, horizon: int) -> tuple[Any, list[Any]]:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    starts = []
    intervals = []
    for u in range(p.n):
        d = p.dur[u]
        # Heads and tails prune the domains: u cannot start before its head, nor so late
        # that the work after it overruns the horizon.
        s = model.new_int_var(lv.head[u], horizon - d - lv.tail[u], f"s{u}")
        starts.append(s)
        if p.occupies(u):
            intervals.append(model.new_fixed_size_interval_var(s, d, f"i{u}"))
    for u in range(p.n):
        for q in p.pred[u]:
            model.add(starts[u] >= starts[q] + p.dur[q])
    if intervals:
        model.add_cumulative(intervals, [1] * len(intervals), m)
    return model, starts


def _solver(seconds: float, workers: int, seed: int) -> Any:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def _meets(
    p: Problem, m: int, lv: Levels, target: int, seconds: float, workers: int, seed: int,
    hint: Schedule,
) -> tuple[list[int] | None, bool]:  # fmt: skip
    """(starts of a schedule ending by `target`, or None; whether none can exist)."""
    from ortools.sat.python import cp_model

    model, starts = _model(p, m, lv, target)
    for u in range(p.n):
        model.add_hint(starts[u], min(hint.start[u], target - p.dur[u] - lv.tail[u]))
    solver = _solver(seconds, workers, seed)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [int(solver.value(s)) for s in starts], False
    return None, status == cp_model.INFEASIBLE


def _minimise(
    p: Problem, m: int, lv: Levels, lb: int, hint: Schedule, seconds: float, workers: int,
    seed: int,
) -> Schedule:  # fmt: skip
    from ortools.sat.python import cp_model

    ub = hint.makespan
    model, starts = _model(p, m, lv, ub)
    span = model.new_int_var(lb, ub, "makespan")
    for u in range(p.n):
        if not p.succ[u]:
            model.add(span >= starts[u] + p.dur[u])
    for u in range(p.n):
        model.add_hint(starts[u], hint.start[u])
    model.add_hint(span, hint.makespan)
    model.minimize(span)
    solver = _solver(seconds, workers, seed)
    status = solver.solve(model) if seconds > 0 else cp_model.UNKNOWN
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
