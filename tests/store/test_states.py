"""The transition rules, walked over every pair of states."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from phasegate import states
from phasegate.errors import StateError
from phasegate.store import open_store

EFFORT_PAIRS = list(itertools.product(states.EFFORT_STATES, repeat=2))
PHASE_PAIRS = list(itertools.product(states.PHASE_STATES, repeat=2))

# The table as the design states it, written out independently of states.py.
ALLOWED_EFFORT = (
    {
        ("pending", "ready"),
        ("pending", "running"),
        ("ready", "running"),
        ("ready", "pending"),
        ("running", "checking"),
        ("running", "done"),
        ("checking", "done"),
        ("running", "failed"),
        ("checking", "failed"),
        ("running", "rejected"),
        ("checking", "rejected"),
        ("done", "rejected"),
        ("running", "conflicted"),
        ("checking", "conflicted"),
        ("done", "conflicted"),
        ("pending", "blocked"),
        ("ready", "blocked"),
        ("running", "blocked"),
        ("checking", "blocked"),
        ("rework", "blocked"),
        ("done", "rework"),
        ("conflicted", "rework"),
        ("rejected", "rework"),
    }
    | {(s, t) for s in states.RETRYABLE for t in ("ready", "running")}
    | {(s, "cancelled") for s in states.EFFORT_STATES if s not in ("done", "cancelled")}
)
ALLOWED_PHASE = {
    ("waiting", "open"),
    ("gating", "open"),
    ("failed", "open"),
    ("passed", "open"),
    ("overridden", "open"),
    ("open", "gating"),
    ("failed", "gating"),
    ("gating", "passed"),
    ("gating", "failed"),
    ("open", "overridden"),
    ("gating", "overridden"),
    ("failed", "overridden"),
    # A rollback in an earlier phase returns a later, opened phase to waiting.
    ("open", "waiting"),
    ("gating", "waiting"),
    ("failed", "waiting"),
    ("passed", "waiting"),
    ("overridden", "waiting"),
}


@pytest.mark.parametrize(("src", "dst"), EFFORT_PAIRS)
def test_effort_pair(src: str, dst: str) -> None:
    assert states.can_effort(src, dst) == ((src, dst) in ALLOWED_EFFORT)


@pytest.mark.parametrize(("src", "dst"), PHASE_PAIRS)
def test_phase_pair(src: str, dst: str) -> None:
    assert states.can_phase(src, dst) == ((src, dst) in ALLOWED_PHASE)


def test_rules_mention_only_known_states() -> None:
    for to, froms in states.EFFORT_RULES.items():
        assert to in states.EFFORT_STATES
        assert froms <= set(states.EFFORT_STATES)
    for to, froms in states.PHASE_RULES.items():
        assert to in states.PHASE_STATES
        assert froms <= set(states.PHASE_STATES)
    assert set(states.EFFORT_RULES) == set(states.EFFORT_STATES)
    assert set(states.PHASE_RULES) == set(states.PHASE_STATES)


def test_no_self_loops_and_done_is_never_cancelled() -> None:
    for s in states.EFFORT_STATES:
        assert not states.can_effort(s, s)
    assert not states.can_effort("done", "cancelled")
    assert states.effort_targets("done") == ["rejected", "conflicted", "rework"]


def _walk_to(state: str) -> list[str]:
    """A legal route from pending to `state`, found by breadth-first search over the rules."""
    frontier = [["pending"]]
    seen = {"pending"}
    while frontier:
        route = frontier.pop(0)
        if route[-1] == state:
            return route[1:]
        for nxt in states.effort_targets(route[-1]):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append([*route, nxt])
    raise AssertionError(f"{state} unreachable")


@pytest.mark.parametrize(("src", "dst"), EFFORT_PAIRS)
def test_store_enforces_every_effort_pair(tmp_path: Path, src: str, dst: str) -> None:
    with open_store(None, state_dir=tmp_path) as s:
        for step in _walk_to(src):
            s.transition("e", step)
        assert s.effort("e").state == src
        if (src, dst) in ALLOWED_EFFORT:
            s.transition("e", dst)
            assert s.effort("e").state == dst
        else:
            before = s.last_seq()
            with pytest.raises(StateError, match=f"from {src} to {dst}"):
                s.transition("e", dst)
            assert s.last_seq() == before
            assert s.effort("e").state == src


@pytest.mark.parametrize(("src", "dst"), PHASE_PAIRS)
def test_store_enforces_every_phase_pair(tmp_path: Path, src: str, dst: str) -> None:
    routes = {
        "waiting": [],
        "open": ["open"],
        "gating": ["open", "gating"],
        "passed": ["open", "gating", "passed"],
        "failed": ["open", "gating", "failed"],
        "overridden": ["open", "overridden"],
    }
    with open_store(None, state_dir=tmp_path) as s:
        for step in routes[src]:
            s.phase_transition("p", step, reason="why")
        if (src, dst) in ALLOWED_PHASE:
            s.phase_transition("p", dst, reason="why")
            assert s.phases()["p"].state == dst
        else:
            with pytest.raises(StateError, match=f"from {src} to {dst}"):
                s.phase_transition("p", dst, reason="why")
