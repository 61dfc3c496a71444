"""Exact schedules: a lower bound, then searches that try to meet it, then CP-SAT.

Most optima of these problems equal a lower bound or lie a few units above it, so exact
mode works target by target, starting at the bound. At each target, cheapest first:
- a tenth of a second of the heuristic's iterated greedy aimed at the target;
- CP-SAT asked only whether a schedule ending by the target exists, for a moment: its
  cumulative propagation proves most impossible targets in milliseconds (then the target
  goes up by one and the tries start over);
- the greedy again, for longer: it finds most schedules that reach a target far sooner
  than a complete search;
- the packing search (schedule/packing.py), whose exhaustion also proves a target
  impossible;
- the same CP-SAT question for longer (tight domains propagate far better than a loose
  horizon with an objective).
What time is left goes to CP-SAT minimising the makespan from the best schedule found.
"""

from __future__ import annotations

import time
from typing import Any

from phasegate.schedule import heuristic, packing
from phasegate.schedule.bounds import Levels, levels, lower_bound
from phasegate.schedule.model import Problem, Schedule, assign_agents

# The first CP-SAT try at each target: at most PROBE_SECONDS or this share of the time left.
PROBE_SHARE = 0.1
PROBE_SECONDS = 0.5
# Shares of the time left that the iterated greedy, the packing search and then the
# feasibility model may take at each target before minimisation gets the rest.
GREEDY_SHARE = 0.2
GREEDY_FIRST = 0.1  # seconds of greedy before the probe at each target
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
    best = start_from or heuristic.solve(p, m, seed=seed)
    tries = 0
    while best.makespan > lb:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        # A glance first: the greedy meets most reachable targets in hundredths of a second,
        # far sooner than CP-SAT's probe gives up.
        tries += 1
        best = _aim(p, m, lb, min(GREEDY_FIRST, GREEDY_SHARE * left), seed + tries, best)
        if best.makespan <= lb:
            break
        probe = min(PROBE_SECONDS, PROBE_SHARE * (deadline - time.monotonic()))
        found, impossible = _meets(p, m, lv, lb, probe, workers, seed, best)
        if found is not None:
            return _exact(p, m, found, lb)
        if impossible:
            lb += 1  # nothing ends by lb: the optimum is later
            continue
        tries += 1
        best = _aim(p, m, lb, GREEDY_SHARE * (deadline - time.monotonic()), seed + tries, best)
        if best.makespan <= lb:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            break
        packed, impossible = packing.attempt(p, m, lb, PACKING_SHARE * left)
        if packed is not None:
            return _exact(p, m, packed, lb)
        if impossible:
            lb += 1  # the search tried everything: nothing ends by lb
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            break
        found, impossible = _meets(p, m, lv, lb, FEASIBLE_SHARE * left, workers, seed, best)
        if found is not None:
            return _exact(p, m, found, lb)
        if not impossible:
            break
        lb += 1
    if best.makespan <= lb:
        return Schedule(best.start, best.agent, best.makespan, lb, True, "exact")
    return _minimise(p, m, lv, lb, best, deadline - time.monotonic(), workers, seed)


def _aim(p: Problem, m: int, target: int, seconds: float, seed: int, best: Schedule) -> Schedule:
    """The heuristic's iterated greedy, stopping once it reaches `target`; the better of its
    schedule and `best`."""
    if seconds <= 0:
        return best
    s = heuristic.solve(
        p,
        m,
        iterations=1 << 30,
        time_limit=seconds,
        seed=seed,
        target=target,
        deadline=time.monotonic() + seconds,
    )
    return s if s.makespan < best.makespan else best


def _exact(p: Problem, m: int, start: list[int], lb: int) -> Schedule:
    return Schedule(tuple(start), assign_agents(p, start, m), lb, lb, True, "exact")


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
