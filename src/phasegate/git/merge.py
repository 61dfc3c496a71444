"""Merges: stacking dependencies into a new effort branch, and done efforts into integration.

Every merge here happens inside a phasegate-owned worktree, so the user's own checkout is
never touched. A merge that conflicts is aborted before returning, naming the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from phasegate.git import git, identity_env, out, rev
from phasegate.git.worktrees import add, is_merged


@dataclass(frozen=True)
class MergeOutcome:
    ok: bool
    commit: str | None = None
    conflicts: list[str] = field(default_factory=list)
    branch: str = ""  # the branch whose merge conflicted
    already: bool = False  # nothing to do: it was merged before (a resumed run)

    @property
    def reason(self) -> str:
        if self.ok:
            return ""
        return (
            f"merging {self.branch} conflicts in {', '.join(self.conflicts) or '(unknown files)'}"
        )


def _merge(worktree: Path, branch: str, message: str) -> MergeOutcome:
    if rev("MERGE_HEAD", cwd=worktree) is not None:
        # Left over from a run killed mid-merge; start that merge again from clean.
        git("merge", "--abort", cwd=worktree, check=False)
    if is_merged(worktree, branch, "HEAD"):
        return MergeOutcome(True, out("rev-parse", "HEAD", cwd=worktree), already=True)
    r = git(
        "merge", "--no-ff", "--no-verify", "-m", message, branch,
        cwd=worktree, check=False, env=identity_env(worktree),
    )  # fmt: skip
    if r.returncode == 0:
        return MergeOutcome(True, out("rev-parse", "HEAD", cwd=worktree))
    files = git("diff", "--name-only", "--diff-filter=U", cwd=worktree, check=False).stdout
    conflicts = [f for f in files.splitlines() if f]
    git("merge", "--abort", cwd=worktree, check=False)
    if not conflicts:
        detail = (r.stderr.strip() or r.stdout.strip()).splitlines()
        conflicts = [detail[-1] if detail else f"git merge exit {r.returncode}"]
    return MergeOutcome(False, conflicts=conflicts, branch=branch)


def stack(
    repo: str | Path,
    worktree: Path,
    branch: str,
    base: str,
    dependencies: Sequence[tuple[str, str]],
) -> MergeOutcome:
    """Create `branch` from `base` in `worktree` with each dependency branch merged in.

    `dependencies` are (effort id, branch) pairs. Re-running is harmless: a dependency
    already merged is skipped, so a resumed run completes a half-built stack.
    """
    add(repo, worktree, branch, base)
    last: MergeOutcome = MergeOutcome(True, out("rev-parse", "HEAD", cwd=worktree))
    for effort_id, dep_branch in dependencies:
        last = _merge(worktree, dep_branch, f"phasegate: stack {dep_branch} ({effort_id})")
        if not last.ok:
            return last
    return last


def integration_worktree(repo: str | Path, path: Path, integration: str, base: str) -> Path:
    """The worktree where done efforts merge; the integration branch starts at `base`."""
    add(repo, path, integration, base)
    return path


def merge_done(integration_wt: Path, branch: str, effort_id: str, title: str = "") -> MergeOutcome:
    what = f"{effort_id} {title}".strip()
    return _merge(integration_wt, branch, f"phasegate: merge {what} ({branch})")
