"""The one check every schedule passes through, whichever solver made it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from phasegate.schedule.model import Problem, Schedule


def violations(p: Problem, s: Schedule, m: int, lower_bound: int | None = None) -> list[str]:
    """Everything wrong with a schedule, as sentences naming node indices; empty if valid."""
    out: list[str] = []
    if len(s.start) != p.n or len(s.agent) != p.n:
        return [f"schedule covers {len(s.start)} of {p.n} nodes"]
    start, dur = s.start, p.dur
    for u in range(p.n):
        if start[u] < p.release[u]:
            out.append(f"node {u} starts at {start[u]} before its release {p.release[u]}")
        for q in p.pred[u]:
            if start[q] + dur[q] > start[u]:
                out.append(f"node {u} starts at {start[u]} before node {q} ends")
        if p.work[u] and not 0 <= s.agent[u] < m:
            out.append(f"node {u} has agent {s.agent[u]}, outside 0..{m - 1}")
    out += _capacity(p, start, m)
    out += _agents(p, s)
    span = max((start[u] + dur[u] for u in range(p.n)), default=0)
    if span != s.makespan:
        out.append(f"makespan is {span}, not the {s.makespan} reported")
    lb = s.lower_bound if lower_bound is None else lower_bound
    if span < lb:
        out.append(f"makespan {span} is below the lower bound {lb}")
    return out


def _capacity(p: Problem, start: Sequence[int], m: int) -> list[str]:
    events: list[tuple[int, int]] = []
    for u in range(p.n):
        if p.occupies(u):
            events.append((start[u], 1))
            events.append((start[u] + p.dur[u], -1))
    # Ends sort before starts at the same time: an agent may hand over instantly.
    events.sort(key=lambda e: (e[0], e[1]))
    running = 0
    for t, delta in events:
        running += delta
        if running > m:
            return [f"{running} efforts run at time {t} on {m} agents"]
    return []


def _agents(p: Problem, s: Schedule) -> list[str]:
    by: dict[int, list[int]] = {}
    for u in range(p.n):
        if p.occupies(u):
            by.setdefault(s.agent[u], []).append(u)
    out: list[str] = []
    for k, us in by.items():
        us.sort(key=lambda u: s.start[u])
        for a, b in pairwise(us):
            if s.start[a] + p.dur[a] > s.start[b]:
                out.append(f"agent {k} runs nodes {a} and {b} at once")
    return out


def check(p: Problem, s: Schedule, m: int) -> Schedule:
    """Return the schedule if valid; a violation here is a solver bug, never user error."""
    found = violations(p, s, m)
    if found:
        raise AssertionError(f"invalid {s.method} schedule: " + "; ".join(found[:3]))
    return s
