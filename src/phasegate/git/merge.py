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
    failure: str = ""  # why a merge that did not conflict still failed

    @property
    def reason(self) -> str:
        if self.ok:
            return ""
        if self.failure:
            return f"merging {self.branch} failed: {self.failure}"
        return (
            f"merging {self.branch} conflicts in {', '.join(self.conflicts) or '(unknown files)'}"
        )


def _merge(worktree: Path, branch: str, message: str, commit: str | None = None) -> MergeOutcome:
    """Merge `commit` (by default the tip of `branch`) into HEAD."""
    what = commit or branch
    if rev("MERGE_HEAD", cwd=worktree) is not None:
        # Left over from a run killed mid-merge; start that merge again from clean.
        git("merge", "--abort", cwd=worktree, check=False)
    if is_merged(worktree, what, "HEAD"):
        return MergeOutcome(True, merge_commit_of(worktree, what), already=True)
    r = git(
        "merge", "--no-ff", "--no-verify", "-m", message, what,
        cwd=worktree, check=False, env=identity_env(worktree),
    )  # fmt: skip
    if r.returncode == 0:
        return MergeOutcome(True, out("rev-parse", "HEAD", cwd=worktree))
    files = git("diff", "--name-only", "--diff-filter=U", cwd=worktree, check=False).stdout
    conflicts = [f for f in files.splitlines() if f]
    git("merge", "--abort", cwd=worktree, check=False)
    if not conflicts:
        # Not a conflict (files in the way, say): say what git said, not "conflicts".
        lines = [x.strip() for x in (r.stderr or r.stdout).splitlines() if x.strip()]
        said = [x for x in lines if not x.startswith(("Merge with strategy", "Aborting"))]
        why = "; ".join(said[:6]) or f"git merge exit {r.returncode}"
        return MergeOutcome(False, branch=branch, failure=why)
    return MergeOutcome(False, conflicts=conflicts, branch=branch)


def restore(worktree: Path, revert_commit: str, effort_id: str) -> MergeOutcome:
    """Revert a rollback's revert commit on HEAD, so an effort sent back for rework brings
    its earlier work in again when it merges (merging its branch alone would not: git sees
    those commits as merged already). Idempotent, for a run resumed after a crash."""
    marker = f"Restores the work reverted by {revert_commit}."
    found = git(
        "log", "--format=%H", "--fixed-strings", f"--grep={marker}", "HEAD", cwd=worktree
    ).stdout.split()  # fmt: skip
    if found:
        return MergeOutcome(True, found[0], already=True)
    if not is_merged(worktree, revert_commit, "HEAD"):
        return MergeOutcome(True, None, already=True)  # the revert never reached this branch
    r = git("revert", "--no-commit", revert_commit, cwd=worktree, check=False)
    if r.returncode != 0:
        files = git("diff", "--name-only", "--diff-filter=U", cwd=worktree, check=False).stdout
        git("revert", "--abort", cwd=worktree, check=False)
        names = [f for f in files.splitlines() if f]
        return MergeOutcome(False, conflicts=names, branch=f"the rollback of {effort_id}",
                            failure="" if names else r.stderr.strip())  # fmt: skip
    message = f"phasegate: restore {effort_id} for its rework\n\n{marker}"
    git("commit", "-q", "--allow-empty", "--no-verify", "-m", message, cwd=worktree,
        env=identity_env(worktree))  # fmt: skip
    return MergeOutcome(True, out("rev-parse", "HEAD", cwd=worktree))


def merge_commit_of(worktree: Path, branch: str) -> str | None:
    """The merge commit on HEAD's first-parent line that brought `branch` in, or None when
    the branch brought nothing of its own (its tip was already part of HEAD's history)."""
    tip = rev(branch, cwd=worktree)
    text = git("rev-list", "--first-parent", "--merges", "--parents", "HEAD", cwd=worktree).stdout
    for line in text.splitlines():
        commit, *parents = line.split()
        if tip in parents[1:]:
            return commit
    return None


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


def merge_done(
    integration_wt: Path, branch: str, effort_id: str, title: str = "", commit: str | None = None
) -> MergeOutcome:
    """Merge the effort's `commit` (the one its checks judged; by default the branch tip).

    Nothing in the checkout is cleaned first: files a person left there are theirs, and a
    merge they stand in the way of fails naming them. What gate checks leave behind is
    removed by the gate itself (phases.tidy)."""
    what = f"{effort_id} {title}".strip()
    return _merge(integration_wt, branch, f"phasegate: merge {what} ({branch})", commit)
