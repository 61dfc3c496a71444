"""Write the statuses an importer found into the state store, through the transition rules."""

from __future__ import annotations

from collections import deque
from pathlib import Path

from phasegate.states import EFFORT_STATES, can_effort


def route(current: str, target: str) -> list[str] | None:
    """The shortest chain of legal transitions from `current` to `target` (excluding it)."""
    if current == target:
        return []
    came: dict[str, str] = {current: current}
    todo = deque([current])
    while todo:
        s = todo.popleft()
        for nxt in EFFORT_STATES:
            if nxt not in came and can_effort(s, nxt):
                came[nxt] = s
                if nxt == target:
                    steps = [nxt]
                    while came[steps[-1]] != current:
                        steps.append(came[steps[-1]])
                    return steps[::-1]
                todo.append(nxt)
    return None


def record_states(
    state: dict[str, str], *, db: str | None, state_dir: Path, source: str
) -> tuple[int, list[str]]:
    """Move each effort to its imported status; (efforts changed, messages for the ones skipped)."""
    from phasegate.store import open_store

    changed = 0
    skipped: list[str] = []
    with open_store(db, state_dir=state_dir) as store:
        for effort, target in state.items():
            current = store.effort(effort).state
            steps = route(current, target)
            if steps is None:
                skipped.append(f"{effort}: no legal way from {current} to {target}; left {current}")
                continue
            for to in steps:
                store.transition(effort, to, reason=f"imported from {source}")
            changed += bool(steps)
    return changed, skipped
