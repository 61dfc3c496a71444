"""Every solver's schedules are valid on random DAGs (releases and milestones included)."""

from __future__ import annotations

import time

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.schedule import exact, heuristic, packing
from phasegate.schedule.bounds import levels, lower_bound
from phasegate.schedule.model import Problem, Schedule, assign_agents, makespan_of
from phasegate.schedule.validate import violations


@st.composite
def problems(draw: st.DrawFn, max_n: int = 14) -> Problem:
    n = draw(st.integers(1, max_n))
    dur = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    work = draw(st.lists(st.booleans(), min_size=n, max_size=n).map(lambda w: [not x for x in w]))
    release = draw(st.lists(st.sampled_from([0, 0, 0, 3, 7]), min_size=n, max_size=n))
    pred: list[list[int]] = []
    for v in range(n):
        pred.append(sorted(draw(st.sets(st.integers(0, v - 1), max_size=3)) if v else set()))
    # A node that takes no agent is a milestone: zero length.
    dur = [d if w else 0 for d, w in zip(dur, work, strict=True)]
    return Problem.of(dur, pred, release, work)


def longest_path(p: Problem) -> int:
    """networkx oracle: a source edge of weight release[u] into u, node weights on out-edges."""
    g = nx.DiGraph()
    for u in range(p.n):
        g.add_edge("s", u, w=p.release[u])
        g.add_edge(u, "t", w=p.dur[u])
        for q in p.pred[u]:
            g.add_edge(q, u, w=p.dur[q])
    return int(nx.dag_longest_path_length(g, weight="w"))


@settings(max_examples=150, deadline=None)
@given(problems(), st.integers(1, 5))
def test_heuristic_and_anchor_schedules_are_valid(p: Problem, m: int) -> None:
    lb = lower_bound(p, m)
    assert levels(p).critical_path == longest_path(p)
    for s in (heuristic.solve(p, m, iterations=20, time_limit=1.0), heuristic.anchor(p, m)):
        assert violations(p, s, m, lb) == []
        assert s.makespan >= lb
        assert not s.optimal or s.makespan == lb


@settings(max_examples=25, deadline=None)
@given(problems(max_n=10), st.integers(1, 3))
def test_exact_is_valid_and_never_worse(p: Problem, m: int) -> None:
    h = heuristic.solve(p, m, iterations=5)
    s = exact.solve(p, m, time_limit=0.5, start_from=h)
    assert violations(p, s, m, lower_bound(p, m)) == []
    assert s.makespan <= h.makespan


def test_exact_proves_a_small_optimum() -> None:
    # Chain 0 -> 1 -> 3 (6 long) beside jobs of 5 and 1: 12 units on 2 agents fit in 6.
    p = Problem.of([2, 2, 5, 2, 1], [[], [0], [], [1], []])
    s = exact.solve(p, 2, time_limit=2.0)
    assert violations(p, s, 2) == []
    assert s.optimal
    assert s.makespan == 6


def test_lower_bound_uses_heads_and_tails() -> None:
    # a(3) -> four b(4) on 3 agents: work 19/3 -> 7, critical path 7; but the b's cannot
    # start before 3 and need 16/3 agent-time after it: 3 + 6 = 9.
    p = Problem.of([3, 4, 4, 4, 4], [[], [0], [0], [0], [0]])
    assert lower_bound(p, 3) == 9
    s = exact.solve(p, 3, time_limit=2.0)
    assert (s.makespan, s.optimal) == (11, True)
    assert violations(p, s, 3) == []


def test_validator_finds_each_kind_of_violation() -> None:
    p = Problem.of([3, 3, 3], [[], [0], []], release=[0, 0, 2])
    ok = Schedule((0, 3, 2), (0, 0, 1), 6, 6, True, "t")
    assert violations(p, ok, 2) == []
    early = Schedule((0, 2, 2), (0, 0, 1), 5, 5, False, "t")
    assert any("before node 0 ends" in v for v in violations(p, early, 2))
    released = Schedule((0, 3, 1), (0, 0, 1), 6, 6, False, "t")
    assert any("release" in v for v in violations(p, released, 2))
    crowded = Schedule((0, 3, 2), (0, 0, 0), 6, 6, False, "t")
    assert any("at once" in v for v in violations(p, crowded, 2))
    assert any("efforts run" in v for v in violations(p, ok, 1))
    below = Schedule((0, 3, 2), (0, 0, 1), 6, 7, False, "t")
    assert any("below the lower bound" in v for v in violations(p, below, 2))


def test_agent_assignment_reuses_freed_agents() -> None:
    p = Problem.of([2, 2, 2], [[], [], []])
    assert assign_agents(p, [0, 2, 4], 1) == (0, 0, 0)
    assert sorted(assign_agents(p, [0, 0, 2], 2)[:2]) == [0, 1]


@settings(max_examples=100, deadline=None)
@given(problems(max_n=9), st.integers(1, 3), st.integers(-3, 3))
def test_packing_search_is_sound_and_complete(p: Problem, m: int, shift: int) -> None:
    """Whatever it returns ends by the target and is valid; given time, it finds a schedule
    whenever one ends by the target (the CP-SAT proven optimum says when)."""
    best = exact.solve(p, m, time_limit=5.0)
    target = max(0, best.makespan + shift)
    found, impossible = packing.attempt(p, m, target, 10.0)
    if found is None:
        assert not best.optimal or target < best.makespan
        if impossible:
            assert target < best.makespan, "proved impossible what CP-SAT scheduled"
        return
    s = Schedule(tuple(found), assign_agents(p, found, m), makespan_of(p, found), 0, False, "t")
    assert violations(p, s, m) == []
    assert s.makespan <= target


def test_packing_finds_a_schedule_without_idle_time() -> None:
    # Work 12 on two agents ending at 6: no idle time at all; the critical-path list
    # schedule ends at 7.
    p = Problem.of([2, 1, 3, 3, 3], [[], [], [0], [1], []])
    assert heuristic.anchor(p, 2).makespan == 7
    found = packing.search(p, 2, 6, 10.0)
    assert found is not None and makespan_of(p, found) == 6
    assert packing.search(p, 2, 5, 10.0) is None  # less than the work needs


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(1, 4), st.integers(0, 6))
def test_heuristic_stops_at_a_target_without_claiming_it_optimal(
    p: Problem, m: int, above: int
) -> None:
    # Serial scheduling in the anchor's start order reproduces it or starts earlier, so a
    # target at or above the anchor is always met; `optimal` still speaks of the lower bound.
    lb = lower_bound(p, m)
    target = heuristic.anchor(p, m).makespan + above
    s = heuristic.solve(p, m, iterations=10**6, time_limit=60.0, target=target)
    assert violations(p, s, m, lb) == []
    assert s.makespan <= target
    assert s.lower_bound == lb
    assert s.optimal == (s.makespan == lb)


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(1, 4))
def test_heuristic_deadline_past_stops_before_any_iteration(p: Problem, m: int) -> None:
    rules_only = heuristic.solve(p, m, iterations=0)
    late = heuristic.solve(p, m, iterations=10**6, time_limit=60.0, deadline=time.monotonic() - 1.0)
    assert late == rules_only


@settings(max_examples=30, deadline=None)
@given(problems(max_n=9), st.integers(1, 3))
def test_exact_optimum_is_the_first_target_the_packing_search_meets(p: Problem, m: int) -> None:
    """Exact mode (CP-SAT probes, the greedy aimed at each target, packing, CP-SAT) agrees
    with the packing search alone, which is complete: it proves the target below
    impossible and meets the optimum."""
    s = exact.solve(p, m, time_limit=10.0)
    assert violations(p, s, m, lower_bound(p, m)) == []
    assert s.optimal
    below, impossible = packing.attempt(p, m, s.makespan - 1, 10.0)
    assert below is None and impossible
    found, _ = packing.attempt(p, m, s.makespan, 10.0)
    assert found is not None and makespan_of(p, found) <= s.makespan
