"""List scheduling with several priority rules, then forward-backward improvement and an
iterated greedy search on the priority list.

Two schedule generators:
- `nondelay`: the classic critical-path list scheduler (whenever an agent is free, start the
  ready effort of highest priority). Fast and good, but the best schedule may need an agent
  to wait, which it never does; it is the benchmark's anchor.
- `serial`: efforts in list order, each on the agent whose last finish fits best. Taking
  efforts in the start order of any schedule reproduces it or starts everything earlier, so
  some list yields an optimal schedule; the search works on these lists.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right, insort
from collections.abc import Sequence
from heapq import heappop, heappush

from phasegate.schedule.bounds import Levels, levels, lower_bound
from phasegate.schedule.model import Problem, Schedule, assign_agents


def nondelay(p: Problem, m: int, prio: Sequence[float]) -> list[int]:
    """Start times from list scheduling that never leaves an agent idle (highest prio first)."""
    n = p.n
    dur, succ, rel, work = p.dur, p.succ, p.release, p.work
    left = [len(x) for x in p.pred]
    avail = list(rel)
    start = [0] * n
    ready: list[tuple[float, int]] = []
    waiting: list[tuple[int, int]] = []  # (release, u): predecessors done, release not yet
    running: list[tuple[int, int]] = []  # (finish, u)
    for u in range(n):
        if left[u] == 0:
            heappush(waiting, (avail[u], u))
    free = m
    t = 0
    done = 0

    def finish(u: int, at: int) -> None:
        """u is complete at `at`: successors whose last predecessor this was start waiting."""
        for v in succ[u]:
            left[v] -= 1
            if at > avail[v]:
                avail[v] = at
            if left[v] == 0:
                heappush(waiting, (avail[v], v))

    while done < n:
        while waiting and waiting[0][0] <= t:
            u = heappop(waiting)[1]
            heappush(ready, (-prio[u], u))
        progressed = False
        while ready:
            u = ready[0][1]
            instant = not work[u] or dur[u] == 0
            if not instant and free == 0:
                break
            heappop(ready)
            start[u] = t
            if instant:
                done += 1
                finish(u, t)
                progressed = True
                break
            free -= 1
            heappush(running, (t + dur[u], u))
        if progressed:
            continue
        nxt = running[0][0] if running else None
        if waiting and (nxt is None or waiting[0][0] < nxt):
            nxt = waiting[0][0]
        if nxt is None:
            break
        t = max(t, nxt)
        while running and running[0][0] <= t:
            f, u = heappop(running)
            free += 1
            done += 1
            finish(u, f)
    return start


def serial(
    p: Problem,
    m: int,
    order: Sequence[int],
    head: Sequence[int],
    tail: Sequence[int],
    pred: Sequence[Sequence[int]] | None = None,
) -> tuple[list[int], int]:
    """Schedule in list order; returns starts and max(finish + tail). `order` is topological."""
    dur, work = p.dur, p.work
    pred = pred if pred is not None else p.pred
    finish = [0] * p.n
    start = [0] * p.n
    agents = [0] * m  # sorted finish times of the agents' last efforts
    value = 0
    for u in order:
        t = head[u]
        for q in pred[u]:
            if finish[q] > t:
                t = finish[q]
        d = dur[u]
        if d and work[u]:
            # The agent free latest but still in time wastes the least idle capacity.
            i = bisect_right(agents, t) - 1
            if i < 0:
                i = 0
                t = agents[0]
            del agents[i]
            insort(agents, t + d)
        start[u] = t
        f = t + d
        finish[u] = f
        if f + tail[u] > value:
            value = f + tail[u]
    return start, value


class Improver:
    """Forward-backward improvement: schedule backwards in order of decreasing finish, then
    forwards in order of backward finish. Neither pass can make the makespan longer."""

    def __init__(self, p: Problem, m: int) -> None:
        self.p, self.m = p, m
        self.pos = [0] * p.n
        for k, u in enumerate(p.order):
            self.pos[u] = k
        self.zero = [0] * p.n

    def forward(self, order: Sequence[int]) -> tuple[list[int], int]:
        return serial(self.p, self.m, order, self.p.release, self.zero)

    def order_of(self, start: Sequence[int]) -> list[int]:
        pos = self.pos
        return sorted(range(self.p.n), key=lambda u: (start[u], pos[u]))

    def improve(self, start: list[int], value: int, floor: int) -> tuple[list[int], int]:
        p, pos, dur = self.p, self.pos, self.p.dur
        while value > floor:
            fin = [s + d for s, d in zip(start, dur, strict=True)]
            back = sorted(range(p.n), key=lambda u: (-fin[u], -pos[u]))
            bstart, _ = serial(p, self.m, back, self.zero, p.release, p.succ)
            bfin = [s + d for s, d in zip(bstart, dur, strict=True)]
            fwd = sorted(range(p.n), key=lambda u: (-bfin[u], pos[u]))
            nstart, nvalue = self.forward(fwd)
            if nvalue >= value:
                break
            start, value = nstart, nvalue
        return start, value


def priority_rules(p: Problem, lv: Levels) -> dict[str, list[float]]:
    """Priorities for list scheduling; larger goes first."""
    n = p.n
    bottom = [p.dur[u] + lv.tail[u] for u in range(n)]
    nsucc = [len(s) for s in p.succ]
    big = 1 + max((len(s) for s in p.succ), default=0)
    return {
        "bottom level": [float(b) for b in bottom],
        "bottom level, successors": [b + nsucc[u] / big for u, b in enumerate(bottom)],
        "top + bottom level": [
            b + lv.head[u] + p.dur[u] / (1 + max(p.dur)) for u, b in enumerate(bottom)
        ],
        "bottom level, longest": [
            b + p.dur[u] / (1 + max(p.dur, default=0)) for u, b in enumerate(bottom)
        ],
    }


def anchor(p: Problem, m: int) -> Schedule:
    """The plain critical-path list scheduler, for comparison."""
    lv = levels(p)
    prio = [float(p.dur[u] + lv.tail[u]) for u in range(p.n)]
    start = nondelay(p, m, prio)
    span = max((s + d for s, d in zip(start, p.dur, strict=True)), default=0)
    lb = max(lv.critical_path, -(-p.total_work // m))
    return Schedule(tuple(start), assign_agents(p, start, m), span, lb, span == lb, "list")


def solve(
    p: Problem,
    m: int,
    *,
    iterations: int = 400,
    time_limit: float = 0.015,
    seed: int = 0,
    quick_bound: bool = False,
    target: int | None = None,
    deadline: float | None = None,
) -> Schedule:
    """Best schedule found by the rules, their improvement, then iterated greedy.

    `time_limit` is CPU seconds of this process, so a busy machine does not cut the search
    short; results are deterministic for a seed unless the limit does. `quick_bound` stops
    the search at the simple lower bound (critical path, work / m) instead of computing the
    subset bound, which needs numpy: for callers whose start-up matters more than proof.
    `target` also stops it at a makespan above the bound (exact mode aims at a bound it
    raised after proving every shorter makespan impossible), and `deadline` (a
    `time.monotonic()` value) at a wall time, for callers whose budget is wall time.
    """
    t0 = time.process_time()
    lv = levels(p)
    simple = max(lv.critical_path, -(-p.total_work // m))
    lb = simple if quick_bound else lower_bound(p, m, lv)
    stop = lb if target is None else max(lb, target)
    imp = Improver(p, m)
    best_start: list[int] = []
    best = -1
    for prio in priority_rules(p, lv).values():
        start, value = imp.forward(imp.order_of(nondelay(p, m, prio)))
        if best < 0 or value < best:
            best_start, best = start, value
        if best <= stop:
            break
    if best > stop:
        best_start, best = imp.improve(best_start, best, stop)
    rng = random.Random(seed)
    bottom = [p.dur[u] + lv.tail[u] for u in range(p.n)]
    avg = p.total_work / max(1, sum(p.work))
    back = None if any(p.release) else p.reversed()
    rtop = [h + d for h, d in zip(lv.head, p.dur, strict=True)]
    k = 0
    while (
        best > stop
        and k < iterations
        and time.process_time() - t0 < time_limit
        and (deadline is None or time.monotonic() < deadline)
    ):
        k += 1
        if k % 3 == 2 and back is not None:
            # Sampling backwards: packing the end of the schedule first is sometimes easier.
            noise = 0.05 + 0.25 * rng.random()
            prio = [b * (1.0 + noise * rng.random()) for b in rtop]
            bstart = nondelay(back, m, prio)
            bfin = [-(s + d) for s, d in zip(bstart, p.dur, strict=True)]
            start, value = imp.forward(imp.order_of(bfin))
        elif k % 3 == 1:
            # Sampling: a noisy critical-path priority, scheduled without delay.
            noise = 0.05 + 0.25 * rng.random()
            prio = [b * (1.0 + noise * rng.random()) for b in bottom]
            start, value = imp.forward(imp.order_of(nondelay(p, m, prio)))
        else:
            # Iterated greedy: the best schedule's start order, shaken by half an effort.
            start, value = imp.forward(_shake(best_start, p, rng, 0.5 * avg))
        start, value = imp.improve(start, value, stop)
        if value <= best:
            best_start, best = start, value
    return Schedule(
        tuple(best_start), assign_agents(p, best_start, m), best, lb, best <= lb, "heuristic"
    )


def _shake(start: Sequence[int], p: Problem, rng: random.Random, spread: float) -> list[int]:
    """Order by start time plus noise, lifted so that the order stays topological."""
    key = [0.0] * p.n
    for u in p.order:
        k = start[u] + spread * rng.random()
        for q in p.pred[u]:
            if key[q] >= k:
                k = key[q] + 1e-9
        key[u] = k
    return sorted(range(p.n), key=key.__getitem__)
