"""Conflicts between parallel efforts (predicted, actual in git, scope drift), and rolling a
merged effort back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.errors import StateError, UnknownId

if TYPE_CHECKING:
    from phasegate.conflicts import Drift, Finding
    from phasegate.conflicts.report import Report
    from phasegate.conflicts.rollback import Rollback
    from phasegate.plan.load import LoadedPlan
    from phasegate.plan.model import Plan
    from phasegate.store import EffortView, Store
    from phasegate.tracking.session import Session


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
    if views is not None:
        from phasegate.store import open_store

        with open_store(db, state_dir=loaded.state_dir) as store:
            st = standing(repo, loaded.plan, store)
        result.conflicted = [c.to_json() for c in st.conflicted]
        result.findings = {"open": [f.to_json() for f in st.open], "resolved": st.resolved}
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
    from phasegate.store.owner import plan_store

    repo = git.toplevel(loaded.path.parent.resolve())
    with plan_store(loaded, db) as store:
        return roll_back(repo, loaded.plan, store, effort, reason)


def clean(loaded: LoadedPlan, *, db: str | None, include_ignored: bool = False) -> dict[str, Any]:
    """Remove the worktrees of merged efforts; any holding unmerged or uncommitted work, or
    (unless `include_ignored`) git-ignored files, is kept, with the reason and the files."""
    from phasegate.engine.cleanup import clean_worktrees

    done = clean_worktrees(
        loaded.plan, loaded.path, loaded.state_dir, db, include_ignored=include_ignored
    )
    return {"schema": "phasegate.clean/1", **done.to_json()}


@dataclass(frozen=True)
class Conflicted:
    effort: str
    branch: str
    files: list[str]
    reason: str
    attempt: int

    def to_json(self) -> dict[str, Any]:
        return {"effort": self.effort, "branch": self.branch, "files": self.files,
                "reason": self.reason, "attempt": self.attempt}  # fmt: skip


@dataclass
class Standing:
    """What `phasegate conflicts` adds to git's analysis from the store."""

    conflicted: list[Conflicted] = field(default_factory=list)
    open: list[Finding] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "conflicted": [c.to_json() for c in self.conflicted],
            "findings": {"open": [f.to_json() for f in self.open], "resolved": self.resolved},
        }


def standing(repo: Path | None, plan: Plan, store: Store) -> Standing:
    """Conflicted efforts with their files, and the findings after judging them again."""
    from phasegate.conflicts import RESOLVED, open_findings
    from phasegate.conflicts.rejudge import rejudge
    from phasegate.engine.resolve import last_conflict

    rejudge(repo, plan, store)
    out = Standing(open=open_findings(store))
    views = store.efforts()
    for e in plan.efforts:
        v = views.get(e.id)
        if v is None or v.state != "conflicted":
            continue
        data = last_conflict(store, e.id)
        files = [str(x) for x in data.get("files") or []]
        out.conflicted.append(Conflicted(e.id, plan.branch_of(e), files, v.reason, v.attempt))
    for ev in store.events(kinds=[RESOLVED]):
        out.resolved.append({"a": ev.data.get("a"), "b": ev.data.get("b"),
                             "why": ev.data.get("why", "a later check found it clean")})  # fmt: skip
    return out


@dataclass(frozen=True)
class Side:
    path: str
    ours: str
    theirs: str


@dataclass
class Prepared:
    effort: str
    worktree: Path
    other: str
    files: list[Side] = field(default_factory=list)
    clean: bool = False  # the merge went through without conflicts: nothing to resolve


def resolve_conflict(s: Session, effort: str, *, who: str) -> Prepared:
    """Prepare the conflicted effort's worktree with the merge that failed, stopped at its
    conflicts, and hand the effort to `who` (conflicted -> running, an attempt of kind
    resolve). They fix, commit, and run `phasegate done EFFORT`."""
    from phasegate.engine.resolve import RESOLVE, conflict_with, prepare
    from phasegate.engine.workspace import Workspace
    from phasegate.git.attempts import merging, sides
    from phasegate.git.merge import stack
    from phasegate.plan.load import load_plan
    from phasegate.store import db_path

    plan = load_plan(str(s.plan_path)).plan
    try:
        e = plan.effort(effort)
    except KeyError:
        raise UnknownId(f"unknown effort {effort!r}") from None
    v = s.store.effort(e.id)
    ws = Workspace.open(plan, s.plan_path, s.state_dir, db_path(None, state_dir=s.state_dir),
                        worktrees=True)  # fmt: skip
    wt = ws.worktree(e)
    resolving = v.state == "running" and wt.is_dir() and merging(wt)
    if v.state != "conflicted" and not resolving:
        raise StateError(f"effort {e.id} is {v.state}, not conflicted: nothing to resolve")
    assert ws.repo is not None
    other = conflict_with(plan, s.store, e.id)
    if not resolving:
        s.store.transition(
            e.id, "running", reason=f"conflict with {other} taken by {who}",
            data={"kind": RESOLVE, "with": other, "by": who},
        )  # fmt: skip
        stack(ws.repo, wt, plan.branch_of(e), plan.repo.base, [])
    prepared = prepare(ws.repo, plan, s.store, wt, e.id)
    if prepared.failure:
        raise StateError(f"effort {e.id}: cannot prepare the merge of {other}: {prepared.failure}")
    out = Prepared(e.id, wt, other, clean=not prepared.in_progress)
    for f in prepared.files:
        ours, theirs = sides(wt, f)
        out.files.append(Side(f, ours, theirs))
    return out


def unfinished_merge(worktree: Path) -> list[str] | None:
    """Files still conflicting in a merge left in progress in `worktree` (None: no merge)."""
    from phasegate.git.attempts import merging, unmerged_files

    if not worktree.is_dir() or not merging(worktree):
        return None
    return unmerged_files(worktree)
