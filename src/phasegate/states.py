"""Declarative state-transition rules for efforts and phases.

The rules are data (`to_state -> allowed from_states`) so that the run engine, the commands
people use (start, done, block, ...) and the store all enforce exactly the same table, and
tests can walk every pair of states.
"""

from __future__ import annotations

from collections.abc import Mapping

EFFORT_STATES: tuple[str, ...] = (
    "pending",
    "ready",
    "running",
    "checking",
    "done",
    "failed",
    "rejected",
    "conflicted",
    "blocked",
    "cancelled",
    "rework",
)
PHASE_STATES: tuple[str, ...] = ("waiting", "open", "gating", "passed", "failed", "overridden")

INITIAL_EFFORT = "pending"
INITIAL_PHASE = "waiting"

# States from which an effort may be tried again (-> ready or running).
RETRYABLE: frozenset[str] = frozenset({"failed", "rejected", "conflicted", "blocked", "rework"})
# An effort in one of these has finished its current attempt, one way or another.
FINISHED: frozenset[str] = frozenset({"done", "failed", "rejected", "conflicted", "cancelled"})
# Efforts in these states count as work in flight (an agent or a person holds them).
ACTIVE: frozenset[str] = frozenset({"running", "checking"})
PHASE_CLOSED: frozenset[str] = frozenset({"passed", "overridden"})

EFFORT_RULES: Mapping[str, frozenset[str]] = {
    # A ready effort falls back to pending when a dependency is rolled back under it.
    "pending": frozenset({"ready"}),
    "ready": frozenset({"pending"}) | RETRYABLE,
    # People may start an effort straight from pending; the engine goes through ready.
    "running": frozenset({"pending", "ready"}) | RETRYABLE,
    "checking": frozenset({"running"}),
    # From running directly when a person marks their own work done.
    "done": frozenset({"running", "checking"}),
    "failed": frozenset({"running", "checking"}),
    # A reviewer may still reject work that passed phasegate's own checks.
    "rejected": frozenset({"running", "checking", "done"}),
    # Merging into the integration branch happens after done, so conflicts appear there too.
    "conflicted": frozenset({"running", "checking", "done"}),
    "blocked": frozenset({"pending", "ready", "running", "checking", "rework"}),
    # Done work is never cancelled: it is rolled back (-> rework) instead.
    "cancelled": frozenset(set(EFFORT_STATES) - {"done", "cancelled"}),
    # Rollback of merged work, or a conflict that needs the effort redone.
    "rework": frozenset({"done", "conflicted", "rejected"}),
}

PHASE_RULES: Mapping[str, frozenset[str]] = {
    # A rollback in an earlier phase sends a later phase back to waiting: none of its work
    # may start (or stand) while what it comes after is open again.
    "waiting": frozenset({"open", "gating", "failed", "passed", "overridden"}),
    # A failed gate reopens the phase so its efforts can be fixed; a rollback reopens a
    # closed phase whose merged work it took back, so the gate judges the redone work.
    "open": frozenset({"waiting", "gating", "failed", "passed", "overridden"}),
    "gating": frozenset({"open", "failed"}),
    "passed": frozenset({"gating"}),
    "failed": frozenset({"gating"}),
    # Overriding needs a reason (checked by the store), and is allowed wherever a gate is
    # still owed: before, during or after a failed evaluation.
    "overridden": frozenset({"open", "gating", "failed"}),
}


def can_effort(from_state: str, to_state: str) -> bool:
    return from_state in EFFORT_RULES.get(to_state, frozenset())


def can_phase(from_state: str, to_state: str) -> bool:
    return from_state in PHASE_RULES.get(to_state, frozenset())


def effort_targets(from_state: str) -> list[str]:
    """Where an effort in `from_state` may go next, in the canonical state order."""
    return [s for s in EFFORT_STATES if can_effort(from_state, s)]


def phase_targets(from_state: str) -> list[str]:
    return [s for s in PHASE_STATES if can_phase(from_state, s)]
