"""Depth-first search for a schedule that ends by a target, spending a bounded idle time.

On m agents a schedule ending at T leaves m*T - W agent-time idle (W: all the work). When
T is the work bound that budget is tiny, often zero: every agent must be busy all the time,
so every start happens when an agent frees up, and what is left to choose is which ready
efforts take the free agents. That search is small and prunes hard (any idle time beyond
the budget, any effort that can no longer end in time), where CP-SAT's general cumulative
reasoning struggles to find such a perfect packing. Used by exact mode before CP-SAT.
"""

from __future__ import annotations

import random
import sys
import time
from itertools import combinations

from phasegate.schedule.bounds import levels
from phasegate.schedule.model import Problem

# States already shown to fail, kept up to this many: repeats come from the same efforts
# started in another order.
_SEEN_MAX = 2_000_000


class _Timeout(Exception):
    pass


class _Restart(Exception):
    pass


_NEVER = 1 << 62
_FIRST_ROUND = 4000  # nodes before the first restart


def search(p: Problem, m: int, target: int, seconds: float) -> list[int] | None:
    """Start times of a schedule with makespan <= target, or None if none was found in
    `seconds`."""
    return attempt(p, m, target, seconds)[0]


def attempt(p: Problem, m: int, target: int, seconds: float) -> tuple[list[int] | None, bool]:
    """(a schedule ending by `target` or None, whether the search proved none exists).

    The search is complete: every schedule can be shifted left until each effort starts
    at time 0, at its release or when another one ends, and the search tries every choice
    of ready efforts at each of those moments. So a round that runs out of choices proves
    that nothing ends by the target.
    """
    budget = m * target - p.total_work
    if budget < 0:
        return None, True
    s = _Search(p, m, target, budget, time.monotonic() + seconds)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * p.n + 1000))
    # Restarts: a depth-first search that went wrong near the top never gets back there in
    # time, so each round stops after a node budget (doubling) and the next one tries the
    # choices in a shaken order. Failed states stay known across rounds: they were
    # explored in full.
    rng = random.Random(0)
    nodes = _FIRST_ROUND
    try:
        while True:
            s.reset(nodes, rng if nodes > _FIRST_ROUND else None)
            try:
                found = s.run()
                return found, found is None
            except _Restart:
                nodes *= 2
    except _Timeout:
        return None, False
    finally:
        sys.setrecursionlimit(limit)


class _Search:
    def __init__(self, p: Problem, m: int, target: int, budget: int, deadline: float) -> None:
        self.p, self.m, self.target, self.deadline = p, m, target, deadline
        lv = levels(p)
        self.bottom = [p.dur[u] + lv.tail[u] for u in range(p.n)]
        self.budget = budget
        rng = random.Random(p.n)
        self.zobrist = [rng.getrandbits(64) for _ in range(p.n)]
        # State -> the least idle time it was reached with and still failed.
        self.seen: dict[tuple[int, int, tuple[tuple[int, int], ...]], int] = {}
        self.nodes = 0
        self.node_limit = 0
        self.found: list[int] | None = None
        self.rank = [float(-b) for b in self.bottom]

    def reset(self, node_limit: int, rng: random.Random | None) -> None:
        """A new round: the longest remaining path first, ties (and with `rng`, near-ties)
        broken differently each round."""
        self.nodes, self.node_limit = 0, node_limit
        # A round cut short leaves its moves undone: every round starts from scratch.
        p = self.p
        self.left = [len(q) for q in p.pred]
        self.ready_at = list(p.release)
        self.start = [-1] * p.n
        self.running: list[tuple[int, int]] = []  # (finish, u) of efforts holding an agent
        self.key = 0
        # Efforts whose predecessors are all finished, not yet started.
        self.avail = {u for u in range(p.n) if self.left[u] == 0}
        if rng is not None:
            spread = 0.1 * max(self.bottom, default=1)
            self.rank = [-b + spread * rng.random() for b in self.bottom]

    def run(self) -> list[int] | None:
        return self.found if self._at(0, 0) else None

    # -- moves with undo ------------------------------------------------------------------

    def _begin(self, u: int, t: int) -> None:
        self.start[u] = t
        self.avail.discard(u)
        self.key ^= self.zobrist[u]

    def _unbegin(self, u: int) -> None:
        self.start[u] = -1
        self.avail.add(u)
        self.key ^= self.zobrist[u]

    def _finish(self, u: int, at: int) -> list[tuple[int, int]]:
        """u is complete at `at`; returns what to undo (successor, its old ready time)."""
        undo = []
        for v in self.p.succ[u]:
            undo.append((v, self.ready_at[v]))
            self.left[v] -= 1
            if at > self.ready_at[v]:
                self.ready_at[v] = at
            if self.left[v] == 0:
                self.avail.add(v)
        return undo

    def _unfinish(self, undo: list[tuple[int, int]]) -> None:
        for v, old in reversed(undo):
            if self.left[v] == 0:
                self.avail.discard(v)
            self.left[v] += 1
            self.ready_at[v] = old

    # -- the search -----------------------------------------------------------------------

    def _at(self, t: int, idle: int) -> bool:
        """Continue from time t, every finish up to t processed, `idle` spent so far."""
        self.nodes += 1
        if self.nodes % 512 == 0 and time.monotonic() > self.deadline:
            raise _Timeout
        if self.nodes > self.node_limit:
            raise _Restart
        p, dur, work = self.p, self.p.dur, self.p.work
        # Zero-length efforts (milestones, empty tasks) take no agent: done as soon as ready.
        instant = [u for u in self.avail if self.ready_at[u] <= t and (dur[u] == 0 or not work[u])]
        if instant:
            undo: list[tuple[int, list[tuple[int, int]]]] = []
            while instant:
                u = instant.pop()
                self._begin(u, t)
                undo.append((u, self._finish(u, t + dur[u])))
                instant += [
                    v for v in p.succ[u]
                    if v in self.avail and self.ready_at[v] <= t and (dur[v] == 0 or not work[v])
                ]  # fmt: skip
            ok = self._at(t, idle)
            for u, fin in reversed(undo):
                self._unfinish(fin)
                self._unbegin(u)
            return ok
        if not self.avail and not self.running:
            self.found = list(self.start)  # taken now: the way back up undoes every move
            return True
        state = (t, self.key, tuple(sorted(self.running)))
        # Failed with no more idle time spent than now: fails again (more idle only hurts).
        if self.seen.get(state, _NEVER) <= idle or not self._in_time(t):
            return False
        ready = [u for u in self.avail if self.ready_at[u] <= t]
        ready.sort(key=lambda u: (self.rank[u], u))
        free = self.m - len(self.running)
        later = [self.ready_at[u] for u in self.avail if self.ready_at[u] > t]
        next_release = min(later, default=None)
        for k in range(min(free, len(ready)), -1, -1):
            for chosen in combinations(ready, k):
                if self._try(t, idle, free, chosen, ready, next_release):
                    return True
        if len(self.seen) < _SEEN_MAX:
            self.seen[state] = min(idle, self.seen.get(state, _NEVER))
        return False

    def _in_time(self, t: int) -> bool:
        """Can every effort not yet started still end by the target? Earliest starts from
        what is running and finished."""
        p, dur = self.p, self.p.dur
        est: dict[int, int] = {}
        for u in p.order:
            if self.start[u] >= 0:
                continue
            e = max(t, p.release[u])
            for q in p.pred[u]:
                f = (self.start[q] if self.start[q] >= 0 else est[q]) + dur[q]
                if f > e:
                    e = f
            est[u] = e
            if e + self.bottom[u] > self.target:
                return False
        return True

    def _try(
        self,
        t: int,
        idle: int,
        free: int,
        chosen: tuple[int, ...],
        ready: list[int],
        next_release: int | None,
    ) -> bool:
        dur = self.p.dur
        ends = [f for f, _ in self.running] + [t + dur[u] for u in chosen]
        if next_release is not None:
            ends.append(next_release)
        if not ends:
            return False
        nxt = min(ends)
        spent = idle + (free - len(chosen)) * (nxt - t)
        if spent > self.budget:
            return False
        waiting = [u for u in ready if u not in chosen]
        # An effort left waiting must still fit after the next moment anything can start.
        if any(nxt + self.bottom[u] > self.target for u in waiting):
            return False
        for u in chosen:
            self._begin(u, t)
            self.running.append((t + dur[u], u))
        done = [(f, u) for f, u in self.running if f == nxt]
        self.running = [(f, u) for f, u in self.running if f != nxt]
        undo = [self._finish(u, f) for f, u in done]
        ok = self._at(nxt, spent)
        for fin in reversed(undo):
            self._unfinish(fin)
        self.running += done
        for u in chosen:
            self.running.remove((t + dur[u], u))
            self._unbegin(u)
        return ok
