"""Removing effort worktrees safely: only merged, only clean; branches are never deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phasegate.engine.workspace import Workspace
from phasegate.git.worktrees import Worktree
from phasegate.plan.model import Plan
from phasegate.states import ACTIVE


@dataclass
class Cleaned:
    """What `clean` did with every effort worktree it found."""

    removed: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (effort, why)
    ignored: dict[str, list[str]] = field(default_factory=dict)  # effort -> ignored files

    def to_json(self) -> dict[str, object]:
        return {
            "removed": self.removed,
            "kept": [
                {"effort": e, "reason": r, "ignored": self.ignored.get(e, [])} for e, r in self.kept
            ],
        }


def clean_worktrees(
    plan: Plan,
    plan_path: Path,
    state_dir: Path,
    db: str | None = None,
    *,
    include_ignored: bool = False,
) -> Cleaned:
    """Remove the worktrees of merged efforts. Every worktree is examined, whatever git
    says about the others: each ends removed or kept with the reason."""
    from phasegate.errors import GitError, UsageError
    from phasegate.git import rev
    from phasegate.git.worktrees import find, ignored_files, remove

    out = Cleaned()
    try:
        ws = Workspace.open(plan, plan_path, state_dir, state_dir / "state.db", worktrees=True)
    except UsageError:
        return out  # not a git repository: phasegate made no worktrees here
    assert ws.repo is not None
    integration = plan.repo.integration
    has_integration = rev(f"refs/heads/{integration}", cwd=ws.repo) is not None
    states = _recorded_states(state_dir, db)
    for e in plan.efforts:
        path = ws.worktree(e)
        wt = find(ws.repo, path)
        if wt is None:
            continue
        try:
            why = _why_keep(ws.repo, e.id, path, wt, states.get(e.id), plan.branch_of(e),
                            integration if has_integration else None)  # fmt: skip
            if why is None and path.is_dir():
                ignored = ignored_files(path)
                if ignored and not include_ignored:
                    out.ignored[e.id] = ignored
                    shown = ", ".join(ignored[:5]) + (" ..." if len(ignored) > 5 else "")
                    why = (
                        f"holds {len(ignored)} git-ignored file(s) or folder(s): {shown}; "
                        "'phasegate clean --include-ignored' removes them with it"
                    )
            if why is None:
                remove(ws.repo, path)
        except GitError as err:
            why = f"git refused: {err}"
        if why is None:
            out.removed.append(e.id)
        else:
            out.kept.append((e.id, why))
    return out


def _why_keep(
    repo: Path,
    effort: str,
    path: Path,
    wt: Worktree,
    state: str | None,
    planned_branch: str,
    integration: str | None,
) -> str | None:
    from phasegate.git.worktrees import is_merged, uncommitted

    if state in ACTIVE:
        # An agent (or a person) may be at work there, before any commit of theirs.
        return f"effort is {state}"
    dirty = uncommitted(path) if path.is_dir() else []
    if dirty:
        return f"{len(dirty)} uncommitted change(s), e.g. {dirty[0]}"
    branch = wt.branch or planned_branch
    if integration is None or not is_merged(repo, branch, integration):
        return f"branch {branch} is not merged into {integration or 'the integration branch'}"
    # What is checked out may be off the branch (a detached HEAD with commits of its
    # own): those commits would be reachable from nothing once the worktree is gone.
    if wt.head and not is_merged(repo, wt.head, integration):
        return f"its checkout holds commit {wt.head[:12]}, not merged"
    return None


def _recorded_states(state_dir: Path, db: str | None) -> dict[str, str]:
    from phasegate.store import open_store, store_exists

    if not store_exists(db, state_dir=state_dir):
        return {}
    with open_store(db, state_dir=state_dir) as store:
        return {k: v.state for k, v in store.efforts().items()}
