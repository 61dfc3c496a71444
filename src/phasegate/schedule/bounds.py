"""Lower bounds on the makespan of P|prec|Cmax with release times.

Every bound is a whole number: durations are integers, so a fractional bound rounds up.
"""

from __future__ import annotations

from dataclasses import dataclass

from phasegate.schedule.model import Problem


@dataclass(frozen=True)
class Levels:
    """head[u]: earliest start (releases included); tail[u]: longest path after u ends."""

    head: list[int]
    tail: list[int]
    critical_path: int


def levels(p: Problem) -> Levels:
    dur, pred, succ = p.dur, p.pred, p.succ
    head = list(p.release)
    for u in p.order:
        h = head[u]
        for q in pred[u]:
            f = head[q] + dur[q]
            if f > h:
                h = f
        head[u] = h
    tail = [0] * p.n
    for u in reversed(p.order):
        t = 0
        for s in succ[u]:
            x = dur[s] + tail[s]
            if x > t:
                t = x
        tail[u] = t
    cp = max((head[u] + dur[u] + tail[u] for u in range(p.n)), default=0)
    return Levels(head, tail, cp)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def lower_bound(p: Problem, m: int, lv: Levels | None = None) -> int:
    """max(critical path, ceil(work / m), the head-tail subset bound)."""
    lv = lv or levels(p)
    best = max(lv.critical_path, ceil_div(p.total_work, m))
    return max(best, subset_bound(p, m, lv))


def subset_bound(p: Problem, m: int, lv: Levels) -> int:
    """max over thresholds (h, q) of h + q + ceil(W(h, q) / m).

    W(h, q) is the work of the efforts that cannot start before h and must be followed by
    at least q more time: those run entirely inside [h, Cmax - q] on m agents. All pairs
    at once is a single matrix product of the two threshold indicator matrices.
    """
    jobs = [u for u in range(p.n) if p.occupies(u)]
    if len(jobs) <= m:
        return 0
    import numpy as np  # here, not at the top: the run's dispatch order schedules without it

    head = np.array([lv.head[u] for u in jobs], dtype=np.int64)
    tail = np.array([lv.tail[u] for u in jobs], dtype=np.int64)
    dur = np.array([p.dur[u] for u in jobs], dtype=np.int64)
    hs = np.unique(head)
    qs = np.unique(tail)
    above_h = (head[None, :] >= hs[:, None]).astype(np.int64) * dur[None, :]
    above_q = (tail[None, :] >= qs[:, None]).astype(np.int64)
    work = above_h @ above_q.T
    total = hs[:, None] + qs[None, :] + (-(-work // m))
    total = np.where(work > 0, total, 0)
    return int(total.max())
