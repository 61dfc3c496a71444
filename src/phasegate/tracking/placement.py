"""Where each effort's current attempt runs, when a remote executor runs it: queued on a
Temporal task queue, then on the worker that took it."""

from __future__ import annotations

from phasegate.store.types import Store

QUEUED = "agent.queued"  # by the coordinator, once the attempt's workflow is started
PLACED = "agent.placed"  # by the worker, once the agent runs there


def placements(store: Store) -> dict[str, tuple[int, str]]:
    """effort -> (attempt, "on WORKER" or "queued on QUEUE") of its latest placed attempt."""
    queued: dict[str, tuple[int, str]] = {}
    placed: dict[str, tuple[int, str]] = {}
    for ev in store.events(kinds=[QUEUED, PLACED]):
        if ev.effort is None:
            continue
        attempt = ev.attempt or 0
        if ev.kind == PLACED:
            placed[ev.effort] = (attempt, f"on {ev.data.get('worker', '?')}")
        else:
            queued[ev.effort] = (attempt, f"queued on {ev.data.get('queue', '?')}")
    out = dict(queued)
    for effort, (attempt, where) in placed.items():
        # The worker may write before the coordinator does: its word wins for its attempt.
        if effort not in out or out[effort][0] <= attempt:
            out[effort] = (attempt, where)
    return out
