"""Conflicts as people see and settle them: what stands (conflicted efforts, findings open
and resolved), and `resolve`, which prepares a conflicted effort's failing merge for a
person to finish."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.errors import StateError, UnknownId

if TYPE_CHECKING:
    from phasegate.conflicts import Finding
    from phasegate.plan.model import Plan
    from phasegate.store import Store
    from phasegate.tracking.session import Session


@dataclass(frozen=True)
class Conflicted:
    effort: str
    branch: str
    files: list[str]
    reason: str
    attempt: int

    def to_json(self) -> dict[str, object]:
        return {"effort": self.effort, "branch": self.branch, "files": self.files,
                "reason": self.reason, "attempt": self.attempt}  # fmt: skip


@dataclass
class Standing:
    """What `phasegate conflicts` adds to git's analysis from the store."""

    conflicted: list[Conflicted] = field(default_factory=list)
    open: list[Finding] = field(default_factory=list)
    resolved: list[dict[str, object]] = field(default_factory=list)

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
