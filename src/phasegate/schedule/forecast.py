"""Monte Carlo finish forecasts over three-point estimates.

Each run draws every effort's duration from its estimate (PERT or triangular), multiplies
it by the calibration factor learned from finished efforts, and replays the schedule's
dispatch order on the agents: the forecast is for following this schedule.
"""

from __future__ import annotations

import random
from bisect import bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from phasegate.schedule.model import Problem

Triple = tuple[float, float, float]  # low, likely, high, in size units


@dataclass(frozen=True)
class Forecast:
    runs: int
    p50: float
    p80: float
    p95: float
    mean: float
    factor: float  # calibration applied to every draw (1.0 when nothing was observed)


def calibration(ratios: Sequence[float]) -> float:
    """One factor from observed actual/estimate ratios: their median, kept within 0.1-10.

    The median, because a single effort stuck for days must not rescale the whole plan.
    """
    usable = [r for r in ratios if r > 0]
    if not usable:
        return 1.0
    return min(10.0, max(0.1, median(usable)))


def draw(est: Triple, rng: random.Random, dist: str) -> float:
    low, likely, high = est
    if high <= low:
        return low
    if dist == "triangular":
        return rng.triangular(low, high, likely)
    a = 1 + 4 * (likely - low) / (high - low)
    b = 1 + 4 * (high - likely) / (high - low)
    return low + (high - low) * rng.betavariate(a, b)


def simulate(
    p: Problem,
    m: int,
    order: Sequence[int],
    estimates: Sequence[Triple | None],
    *,
    runs: int = 2000,
    seed: int = 0,
    dist: str = "pert",
    factor: float = 1.0,
) -> Forecast:
    """Finish time percentiles in size units (estimates given per node; None: fixed size)."""
    rng = random.Random(seed)
    scale = p.scale
    base = [d / scale for d in p.dur]
    release = [r / scale for r in p.release]
    ends: list[float] = []
    for _ in range(max(1, runs)):
        dur = [
            base[u] if est is None else factor * draw(est, rng, dist)
            for u, est in enumerate(estimates)
        ]
        ends.append(_replay(p, m, order, dur, release))
    ends.sort()
    return Forecast(
        len(ends),
        _pct(ends, 0.50),
        _pct(ends, 0.80),
        _pct(ends, 0.95),
        sum(ends) / len(ends),
        factor,
    )


def _pct(xs: Sequence[float], q: float) -> float:
    i = min(len(xs) - 1, max(0, int(q * len(xs) + 0.5) - 1))
    return xs[i]


def _replay(
    p: Problem, m: int, order: Sequence[int], dur: Sequence[float], release: Sequence[float]
) -> float:
    finish = [0.0] * p.n
    agents = [0.0] * m
    end = 0.0
    for u in order:
        t = release[u]
        for q in p.pred[u]:
            if finish[q] > t:
                t = finish[q]
        d = dur[u]
        if d > 0 and p.work[u]:
            i = bisect_right(agents, t) - 1
            if i < 0:
                i, t = 0, agents[0]
            del agents[i]
            insort(agents, t + d)
        finish[u] = t + d
        end = max(end, t + d)
    return end


WORKDAY_SECONDS = 8 * 3600  # one working day of the plan's `rate`


def durations(transitions: Sequence[tuple[str, str, float]]) -> dict[str, float]:
    """Seconds each effort spent from its last `running` to `done`, from (effort, state, ts)
    transitions in time order; efforts not done are left out."""
    began: dict[str, float] = {}
    out: dict[str, float] = {}
    for effort, state, ts in transitions:
        if state == "running":
            began[effort] = ts
        elif state == "done" and effort in began:
            out[effort] = ts - began[effort]
    return out


def ratios(actual: dict[str, float], sizes: dict[str, float], rate: float) -> list[float]:
    """actual / planned for each finished effort; planned is size / rate working days."""
    out: list[float] = []
    for effort, seconds in actual.items():
        size = sizes.get(effort, 0.0)
        if size > 0 and seconds > 0:
            out.append(seconds / (size / rate * WORKDAY_SECONDS))
    return out
