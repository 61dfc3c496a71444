"""Removing effort worktrees safely: only merged, only clean; branches are never deleted."""

from __future__ import annotations

from pathlib import Path

from phasegate.engine.workspace import Workspace
from phasegate.plan.model import Plan
from phasegate.states import ACTIVE


def clean_worktrees(
    plan: Plan, plan_path: Path, state_dir: Path, db: str | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """(efforts whose worktree was removed, [(effort, why it was kept)])."""
    from phasegate.errors import UsageError
    from phasegate.git import rev
    from phasegate.git.worktrees import find, is_merged, remove, uncommitted

    try:
        ws = Workspace.open(plan, plan_path, state_dir, state_dir / "state.db", worktrees=True)
    except UsageError:
        return [], []  # not a git repository: phasegate made no worktrees here
    assert ws.repo is not None
    removed: list[str] = []
    kept: list[tuple[str, str]] = []
    integration = plan.repo.integration
    has_integration = rev(f"refs/heads/{integration}", cwd=ws.repo) is not None
    states = _recorded_states(state_dir, db)
    for e in plan.efforts:
        path = ws.worktree(e)
        wt = find(ws.repo, path)
        if wt is None:
            continue
        state = states.get(e.id)
        if state in ACTIVE:
            # An agent (or a person) may be at work there, before any commit of theirs.
            kept.append((e.id, f"effort is {state}"))
            continue
        dirty = uncommitted(path) if path.is_dir() else []
        if dirty:
            kept.append((e.id, f"{len(dirty)} uncommitted change(s), e.g. {dirty[0]}"))
            continue
        branch = wt.branch or plan.branch_of(e)
        if not has_integration or not is_merged(ws.repo, branch, integration):
            kept.append((e.id, f"branch {branch} is not merged into {integration}"))
            continue
        # What is checked out may be off the branch (a detached HEAD with commits of its
        # own): those commits would be reachable from nothing once the worktree is gone.
        if wt.head and not is_merged(ws.repo, wt.head, integration):
            kept.append((e.id, f"its checkout holds commit {wt.head[:12]}, not merged"))
            continue
        remove(ws.repo, path)
        removed.append(e.id)
    return removed, kept


def _recorded_states(state_dir: Path, db: str | None) -> dict[str, str]:
    from phasegate.store import open_store, store_exists

    if not store_exists(db, state_dir=state_dir):
        return {}
    with open_store(db, state_dir=state_dir) as store:
        return {k: v.state for k, v in store.efforts().items()}
