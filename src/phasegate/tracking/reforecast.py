"""Re-forecast from actuals: how long the remaining work takes at the pace observed so far.

Pure. Finished efforts give actual/planned ratios (planned = size / rate working days); the
remaining efforts are replayed on the run's agents many times, each effort drawing its
duration from its estimate times a ratio drawn from those observed (a bootstrap, so the
spread of the actuals becomes the spread of the forecast). Running efforts keep their agent
and only their remaining time counts. A working day is WORKDAY_SECONDS of an agent's time,
as `schedule --forecast` calibrates.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from phasegate.schedule.calendar import add_working_days
from phasegate.schedule.forecast import WORKDAY_SECONDS, draw
from phasegate.tracking.facts import PlanFacts

RUNS = 1000
_FLOOR = 0.1  # a running effort past its forecast still has this share of it left
_CANDIDATES = 10  # critical efforts tried for one more agent


@dataclass(frozen=True)
class Progress:
    """What the store says about one effort."""

    state: str
    started_at: float | None = None


@dataclass(frozen=True)
class Calibration:
    factor: float  # median actual/planned ratio (1.0 when nothing finished)
    low: float  # 10th and 90th percentiles of the median over bootstrap resamples
    high: float
    observed: int
    ratios: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "factor": round(self.factor, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "observed": self.observed,
        }


def calibrate(ratios: Sequence[float], *, seed: int = 0) -> Calibration:
    usable = sorted(r for r in ratios if r > 0 and math.isfinite(r))
    if not usable:
        return Calibration(1.0, 1.0, 1.0, 0)
    rng = random.Random(seed)
    meds = sorted(median(rng.choices(usable, k=len(usable))) for _ in range(500))
    return Calibration(median(usable), meds[len(meds) // 10], meds[(9 * len(meds)) // 10],
                       len(usable), usable)  # fmt: skip


@dataclass
class _Graph:
    ids: list[str]  # efforts first, then one milestone per phase
    pred: list[list[int]]
    work: list[bool]
    size: list[float]
    est: list[list[float] | None]


def _graph(facts: PlanFacts) -> _Graph:
    ids = [e.id for e in facts.efforts]
    idx = {e: i for i, e in enumerate(ids)}
    ms = {p.id: len(ids) + k for k, p in enumerate(facts.phases)}
    n = len(ids) + len(facts.phases)
    pred: list[list[int]] = [[] for _ in range(n)]
    phase_after = {p.id: p.after for p in facts.phases}
    for i, e in enumerate(facts.efforts):
        pred[i] = [idx[d] for d in e.depends_on if d in idx]
        if e.phase is not None:
            pred[i] += [ms[a] for a in phase_after.get(e.phase, []) if a in ms]
    for p in facts.phases:
        pred[ms[p.id]] = [idx[x] for x in p.efforts if x in idx] + [
            ms[a] for a in p.after if a in ms
        ]
    return _Graph(
        ids + [f"phase:{p.id}" for p in facts.phases], pred,
        [True] * len(ids) + [False] * len(facts.phases),
        [e.size for e in facts.efforts] + [0.0] * len(facts.phases),
        [e.estimate for e in facts.efforts] + [None] * len(facts.phases),
    )  # fmt: skip


def _topo(pred: list[list[int]]) -> list[int]:
    n = len(pred)
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [len(p) for p in pred]
    for v, ps in enumerate(pred):
        for u in ps:
            succ[u].append(v)
    out = [u for u in range(n) if indeg[u] == 0]
    for u in out:
        for v in succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                out.append(v)
    return out


def _heads_tails(g: _Graph, dur: Sequence[float]) -> tuple[list[float], list[float]]:
    topo = _topo(g.pred)
    head = [0.0] * len(dur)
    for u in topo:
        head[u] = max((head[p] + dur[p] for p in g.pred[u]), default=0.0)
    tail = [0.0] * len(dur)
    for u in reversed(topo):
        tail[u] += dur[u]
        for p in g.pred[u]:
            tail[p] = max(tail[p], tail[u])
    return head, tail


def _order(g: _Graph, first: set[int], tail: Sequence[float]) -> list[int]:
    """Dispatch order: running efforts first, then longest remaining chain first (as the
    engine dispatches), never before a predecessor."""
    import heapq

    indeg = [len(p) for p in g.pred]
    succ: list[list[int]] = [[] for _ in g.pred]
    for v, ps in enumerate(g.pred):
        for u in ps:
            succ[u].append(v)

    def key(u: int) -> tuple[bool, float, int]:
        return (u not in first, -tail[u], u)

    avail = [key(u) for u in range(len(indeg)) if indeg[u] == 0]
    heapq.heapify(avail)
    out: list[int] = []
    while avail:
        u = heapq.heappop(avail)[2]
        out.append(u)
        for v in succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                heapq.heappush(avail, key(v))
    return out


def _replay(g: _Graph, order: Sequence[int], dur: Sequence[float], agents: int) -> float:
    """List scheduling in `order`: each effort on the agent that frees up first."""
    import heapq

    finish = [0.0] * len(dur)
    free = [0.0] * max(1, agents)
    pred, work = g.pred, g.work
    end = 0.0
    for u in order:
        t = 0.0
        for p in pred[u]:
            if finish[p] > t:
                t = finish[p]
        d = dur[u]
        if work[u] and d > 0:
            t = max(t, free[0])
            heapq.heapreplace(free, t + d)
        finish[u] = t + d
        if t + d > end:
            end = t + d
    return end


def _likely(g: _Graph, u: int) -> float:
    est = g.est[u]
    return est[1] if est else g.size[u]


def _pct(xs: Sequence[float], q: float) -> float:
    return xs[min(len(xs) - 1, max(0, int(q * len(xs) + 0.5) - 1))]


def reforecast(
    facts: PlanFacts,
    progress: Mapping[str, Progress],
    ratios: Sequence[float],
    *,
    agents: int,
    start: float | None,  # when the project started (first event), epoch seconds
    now: float,
    runs: int = RUNS,
    seed: int = 0,
) -> dict[str, Any]:
    """ETA P50/P80 of the remaining work, which efforts are critical now, slippage against
    the plan, and the effort where one more agent saves the most."""
    rate = facts.rate or 0.0
    cal = calibrate(ratios, seed=seed) if rate else Calibration(1.0, 1.0, 1.0, 0)
    g = _graph(facts)
    n_eff = len(facts.efforts)
    done = {i for i, e in enumerate(facts.efforts)
            if progress.get(e.id, Progress("pending")).state in ("done", "cancelled")}  # fmt: skip
    running = {i for i, e in enumerate(facts.efforts)
               if progress.get(e.id, Progress("pending")).state in ("running", "checking")}  # fmt: skip
    elapsed_units = [0.0] * len(g.ids)
    for i in running:
        st = progress[facts.efforts[i].id].started_at
        if st is not None and rate:
            elapsed_units[i] = max(0.0, now - st) / WORKDAY_SECONDS * rate

    def remaining(u: int, full: float) -> float:
        if u >= n_eff or u in done:
            return 0.0
        if u in running:
            return max(full - elapsed_units[u], _FLOOR * full)
        return full

    plain = [_likely(g, u) for u in range(len(g.ids))]
    likely = [remaining(u, cal.factor * plain[u]) for u in range(len(g.ids))]
    head, tail = _heads_tails(g, likely)
    order = _order(g, running, tail)
    expected = _replay(g, order, likely, agents)
    # The plan's own forecast: every effort at its likely size, the same dispatch rule.
    planned = _replay(g, _order(g, set(), _heads_tails(g, plain)[1]), plain, agents)
    span = max((head[u] + likely[u] for u in range(len(likely))), default=0.0)
    critical = [g.ids[u] for u in range(n_eff)
                if u not in done and likely[u] > 0 and abs(head[u] + tail[u] - span) < 1e-9]  # fmt: skip
    rng = random.Random(seed)
    base = [0.0 if (u >= n_eff or u in done) else plain[u] for u in range(len(g.ids))]
    ranged = [u for u in range(n_eff) if u not in done and (e := g.est[u]) and e[2] > e[0]]
    varies = bool(ranged) or len(set(cal.ratios)) > 1
    ends: list[float] = []
    for _ in range(max(1, runs) if varies else 1):
        dur = list(base)
        for u in ranged:
            e = g.est[u]
            assert e is not None
            dur[u] = draw((e[0], e[1], e[2]), rng, "pert")
        if cal.ratios:
            fs = rng.choices(cal.ratios, k=len(dur))
            dur = [d * f for d, f in zip(dur, fs, strict=True)]
        for u in running:
            dur[u] = remaining(u, dur[u])
        ends.append(_replay(g, order, dur, agents))
    ends.sort()
    p50, p80 = _pct(ends, 0.5), _pct(ends, 0.8)
    best: dict[str, Any] | None = None
    # The longest critical efforts are where a second agent can save the most.
    for name in sorted(critical, key=lambda x: -likely[g.ids.index(x)])[:_CANDIDATES]:
        u = g.ids.index(name)
        trial = list(likely)
        trial[u] = likely[u] / 2
        saved = expected - _replay(g, order, trial, agents + 1)
        if saved > 1e-9 and (best is None or saved > best["saves"]):
            best = {"effort": name, "saves": saved}

    def days(x: float) -> float | None:
        return round(x / rate, 3) if rate else None

    elapsed = max(0.0, now - start) / WORKDAY_SECONDS * rate if (start and rate) else 0.0
    today = dt.date.fromtimestamp(now)
    # Every effort without slack in the plan, not only the one chain the plan names.
    planned_crit = set(facts.critical_path) | {e.id for e in facts.efforts if e.slack <= 1e-9}
    out: dict[str, Any] = {
        "agents": agents,
        "units": facts.units,
        "calibration": cal.to_json(),
        "planned": round(planned, 4),
        "planned_days": days(planned),
        "elapsed_days": days(elapsed),
        "remaining": {"expected": round(expected, 4), "p50": round(p50, 4), "p80": round(p80, 4)},
        "remaining_days": {"p50": days(p50), "p80": days(p80)},
        "eta": None,
        "slippage_days": None,
        "critical": critical,
        "newly_critical": [x for x in critical if x not in planned_crit],
        "add_agent": None if best is None else {
            "effort": best["effort"], "saves": round(best["saves"], 4),
            "saves_days": days(best["saves"]),
        },
        "done": len(done),
        "running": sorted(g.ids[u] for u in running),
    }  # fmt: skip
    if rate:
        out["eta"] = {
            "p50": add_working_days(today, p50 / rate).isoformat(),
            "p80": add_working_days(today, p80 / rate).isoformat(),
        }
        out["slippage_days"] = {
            "p50": round((elapsed + p50 - planned) / rate, 3),
            "p80": round((elapsed + p80 - planned) / rate, 3),
        }
    return out
