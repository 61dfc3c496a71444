"""Undo merges on a branch by adding revert commits: history is never rewritten.

The reverts are made in a temporary worktree, so no checkout of the user's is touched; the
branch then moves forward to the result (a fast-forward where the branch is checked out).
All or nothing: if any revert conflicts, the branch stays where it was.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from phasegate.errors import StateError
from phasegate.git import git, identity_env, rev


@dataclass(frozen=True)
class Revert:
    commit: str  # the merge (or commit) undone
    message: str


def checked_out_at(repo: Path, branch: str) -> Path | None:
    text = git("worktree", "list", "--porcelain", cwd=repo).stdout
    where: Path | None = None
    for line in text.splitlines():
        if line.startswith("worktree "):
            where = Path(line[len("worktree ") :])
        elif line == f"branch refs/heads/{branch}":
            return where
    return None


def parents(repo: Path, commit: str) -> list[str]:
    return git("rev-list", "--parents", "-n", "1", commit, cwd=repo).stdout.split()[1:]


def revert_all(repo: Path, branch: str, reverts: list[Revert]) -> list[str]:
    """Revert each commit in order on top of `branch`; returns the new commits, in order.

    Merge commits are reverted against their first parent (the branch they were merged
    into). Raises StateError, leaving everything as it was, when the branch is missing,
    a commit is not on it, its checkout has uncommitted changes, or a revert conflicts.
    """
    tip = rev(f"refs/heads/{branch}", cwd=repo)
    if tip is None:
        raise StateError(f"branch {branch!r} does not exist")
    for r in reverts:
        if git("merge-base", "--is-ancestor", r.commit, tip, cwd=repo, check=False).returncode:
            raise StateError(f"commit {r.commit[:12]} is not on branch {branch!r}")
    user = checked_out_at(repo, branch)
    if user is not None:
        dirty = git("status", "--porcelain", "--untracked-files=no", cwd=user).stdout.strip()
        if dirty:
            raise StateError(
                f"branch {branch!r} is checked out at {user} with uncommitted changes; "
                "commit or stash them first"
            )
    # A rollback killed after moving the branch and before recording: its reverts are
    # there already, and making them again would add empty commits in their place.
    found = {r.commit: done_before(repo, tip, r.commit) for r in reverts}
    todo = [r for r in reverts if found[r.commit] is None]
    if not todo:
        return [found[r.commit] or "" for r in reverts]
    env = identity_env(repo)
    wt = scratch_worktree(repo)
    git("worktree", "add", "--detach", "-q", str(wt), tip, cwd=repo)
    try:
        made: list[str] = []
        for r in todo:
            mainline = ["-m", "1"] if len(parents(repo, r.commit)) > 1 else []
            res = git("revert", "--no-commit", *mainline, r.commit, cwd=wt, check=False, env=env)
            if res.returncode != 0:
                files = git("diff", "--name-only", "--diff-filter=U", cwd=wt, check=False)
                names = ", ".join(files.stdout.split()) or res.stderr.strip().splitlines()[-1]
                raise StateError(
                    f"reverting {r.commit[:12]} conflicts with later work on {branch!r} "
                    f"({names}); nothing was changed"
                )
            git("commit", "-q", "--allow-empty", "-m", r.message, cwd=wt, env=env)
            made.append(git("rev-parse", "HEAD", cwd=wt).stdout.strip())
        if made:
            _advance(repo, branch, tip, made[-1], user)
        new = iter(made)
        return [found[r.commit] or next(new) for r in reverts]
    finally:
        _drop(repo, wt)


def revert_marker(commit: str) -> str:
    """The line of a revert's message that names the merge it undoes."""
    return f"This reverts merge {commit}."


def done_before(repo: Path, tip: str, commit: str) -> str | None:
    """A revert of `commit` already on `tip`'s first-parent line after it, if any."""
    found = git(
        "log", "--first-parent", "--format=%H", "--fixed-strings",
        f"--grep={revert_marker(commit)}", tip, "--not", commit, cwd=repo, check=False,
    ).stdout.split()  # fmt: skip
    return found[-1] if found else None


def scratch_worktree(repo: Path) -> Path:
    """Where reverts are made: one fixed place inside the repository's git directory, so a
    rollback killed half-way leaves nothing registered that the next one does not find and
    remove first (it holds nothing of anyone's: only commits not yet on the branch)."""
    common = Path(git("rev-parse", "--git-common-dir", cwd=repo).stdout.strip())
    wt = (common if common.is_absolute() else repo / common).resolve() / "phasegate-revert"
    _drop(repo, wt)
    return wt


def _drop(repo: Path, wt: Path) -> None:
    git("worktree", "remove", "--force", str(wt), cwd=repo, check=False)
    shutil.rmtree(wt, ignore_errors=True)
    git("worktree", "prune", cwd=repo, check=False)


def _advance(repo: Path, branch: str, old: str, new: str, user: Path | None) -> None:
    if user is not None:
        # Fast-forward the user's checkout so its files follow the branch.
        git("merge", "--ff-only", "-q", new, cwd=user)
        return
    r = git("update-ref", f"refs/heads/{branch}", new, old, cwd=repo, check=False)
    if r.returncode != 0:
        raise StateError(f"branch {branch!r} moved while reverting; run the rollback again")
