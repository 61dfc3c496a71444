"""Conflicts between parallel efforts (predicted, actual in git, scope drift), and rolling a
merged effort back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasegate.conflicts import Drift
    from phasegate.conflicts.report import Report
    from phasegate.conflicts.rollback import Rollback
    from phasegate.plan.load import LoadedPlan
    from phasegate.store import EffortView


def conflicts(loaded: LoadedPlan | None, *, db: str | None, branches: Sequence[str] = ()) -> Report:
    """The plan's live effort branches, or the local branches matching `branches` (which
    works without a plan). Merged efforts' drift comes from what the run recorded."""
    from phasegate import git
    from phasegate.conflicts import report as rep

    git.require_version()
    if branches:
        where = loaded.path.parent if loaded else Path.cwd()
        repo = git.toplevel(where)
        return rep.for_branches(repo, branches, loaded.plan if loaded else None)
    if loaded is None:
        from phasegate.errors import UsageError

        raise UsageError("conflicts: without --branches a plan is needed")
    repo = git.toplevel(loaded.path.parent.resolve())
    views, recorded, breaks = _recorded(db, loaded.state_dir)
    result = rep.for_plan(repo, loaded.plan, views)
    result.contract_breaks = breaks
    # Merged efforts' branches are no longer live; their drift is known from the run.
    seen = {d.effort for d in result.scope}
    result.scope += [d for d in recorded if d.effort not in seen]
    return result


def document_of(r: Report) -> dict[str, Any]:
    """The `conflicts --json` document of a report."""
    from phasegate.service.common import document

    return document("conflicts", dict(r.to_json()))


def rollback_document(done: Rollback) -> dict[str, Any]:
    """The `rollback --json` document of a rollback."""
    from phasegate.service.common import document

    return document("rollback", dict(done.to_json()))


def effort_conflicts(loaded: LoadedPlan, effort: str, *, db: str | None) -> dict[str, object]:
    """The conflicts that concern one effort's branch: predicted from the plan, found by
    trial merges, and its own scope drift."""
    from phasegate.service.common import document

    e = loaded.plan.effort(effort)
    branch = loaded.plan.branch_of(e)
    r = conflicts(loaded, db=db)
    return document(
        "conflicts",
        {
            "effort": e.id,
            "branch": branch,
            "textual": [t.to_json() for t in r.textual if branch in (t.a, t.b)],
            "overlap": [o.to_json() for o in r.overlap if branch in (o.a, o.b)],
            "predicted": [p.to_json() for p in r.predicted if e.id in (p.a, p.b)],
            "scope": [d.to_json() for d in r.scope if d.effort == e.id],
        },
    )


def _recorded(
    db: str | None, state_dir: Path
) -> tuple[dict[str, EffortView] | None, list[Drift], list[dict[str, Any]]]:
    """Recorded effort states, scope drift and contract breaks, if the plan has a store."""
    from phasegate.conflicts import recorded_drift
    from phasegate.service.contracts import open_breaks
    from phasegate.store import db_path, open_store

    if db is None and not db_path(None, state_dir=state_dir).exists():
        return None, [], []  # nothing recorded yet: liveness comes from git alone
    with open_store(db, state_dir=state_dir) as store:
        breaks = [{"contract": name, **b} for name, bs in open_breaks(store).items() for b in bs]
        return store.efforts(), recorded_drift(store), breaks


def rollback(loaded: LoadedPlan, effort: str, *, reason: str, db: str | None) -> Rollback:
    """Revert a merged effort (and its merged dependents) on the integration branch with new
    commits, and send them back for rework."""
    from phasegate import git
    from phasegate.conflicts.rollback import roll_back
    from phasegate.store import open_store

    repo = git.toplevel(loaded.path.parent.resolve())
    with open_store(db, state_dir=loaded.state_dir) as store:
        return roll_back(repo, loaded.plan, store, effort, reason)


def clean(loaded: LoadedPlan, *, db: str | None) -> dict[str, Any]:
    """Remove the worktrees of merged efforts; any holding unmerged or uncommitted work is
    kept, with the reason."""
    from phasegate.engine.cleanup import clean_worktrees

    removed, kept = clean_worktrees(loaded.plan, loaded.path, loaded.state_dir, db)
    return {
        "schema": "phasegate.clean/1",
        "removed": removed,
        "kept": [{"effort": e, "reason": r} for e, r in kept],
    }
