"""Worktrees: one per effort, listed, checked for uncommitted work, removed only when safe."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phasegate.git import git, identity_env, out, rev


@dataclass(frozen=True)
class Worktree:
    path: Path
    branch: str | None  # None when detached
    head: str | None


def listing(repo: str | Path) -> list[Worktree]:
    text = git("worktree", "list", "--porcelain", cwd=repo).stdout
    found: list[Worktree] = []
    path: Path | None = None
    branch: str | None = None
    head: str | None = None
    for line in [*text.splitlines(), ""]:
        if line.startswith("worktree "):
            path = Path(line[len("worktree ") :])
        elif line.startswith("HEAD "):
            head = line[len("HEAD ") :]
        elif line.startswith("branch "):
            branch = line[len("branch ") :].removeprefix("refs/heads/")
        elif not line and path is not None:
            found.append(Worktree(path, branch, head))
            path, branch, head = None, None, None
    return found


def find(repo: str | Path, path: Path) -> Worktree | None:
    want = path.resolve()
    for wt in listing(repo):
        if wt.path.resolve() == want:
            return wt
    return None


def add(repo: str | Path, path: Path, branch: str, start: str) -> None:
    """Check out `branch` at `path`, creating the branch from `start` when it is new.

    Idempotent: an existing worktree at `path` is kept as it is, so a resumed run picks up
    the work already there.
    """
    if find(repo, path) is not None and path.is_dir():
        return
    # A worktree whose directory was deleted (say with the whole state directory) is still
    # registered; prune it so the branch, and the work on it, can be checked out again.
    git("worktree", "prune", cwd=repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    if rev(f"refs/heads/{branch}", cwd=repo) is not None:
        git("worktree", "add", str(path), branch, cwd=repo)
    else:
        git("worktree", "add", "-b", branch, str(path), start, cwd=repo)


def uncommitted(path: str | Path) -> list[str]:
    """Paths with changes not yet committed (staged, unstaged or untracked)."""
    text = git("status", "--porcelain", "--untracked-files=all", cwd=path).stdout
    return [line[3:] for line in text.splitlines() if line.strip()]


def untracked_files(path: str | Path) -> set[str]:
    """Untracked files that are not ignored, relative to `path`'s worktree root."""
    text = git("ls-files", "--others", "--exclude-standard", "-z", "--full-name", cwd=path).stdout
    return {f for f in text.split("\0") if f}


def ignored_files(path: str | Path) -> list[str]:
    """Files git ignores in the worktree at `path` (directories listed whole, as `dir/`)."""
    text = git(
        "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z", cwd=path
    ).stdout  # fmt: skip
    return sorted(f for f in text.split("\0") if f)


def commit_leftover(path: str | Path, message: str) -> str | None:
    """Commit whatever the agent left uncommitted; returns the new commit, or None if clean.

    An agent that stopped in the middle of a merge: with every conflict resolved, the merge
    is concluded with its resolution (and anything else it left); with conflicts left, the
    whole state, markers and all, is kept as a commit under refs/phasegate/unresolved/ and
    the merge is aborted, so the branch stays consistent and nothing is thrown away.
    """
    env = identity_env(path)
    if _merging(path):
        unresolved = git("diff", "--name-only", "--diff-filter=U", cwd=path).stdout.split()
        git("add", "-A", cwd=path)
        if not unresolved:
            git("commit", "-q", "--no-verify", "-m", message, cwd=path, env=env)
            return out("rev-parse", "HEAD", cwd=path)
        tree = out("write-tree", cwd=path)
        note = f"{message}\n\nUnresolved merge, kept aside: {', '.join(unresolved)}"
        kept = git(
            "commit-tree", tree, "-p", "HEAD", "-p", "MERGE_HEAD", "-m", note, cwd=path, env=env
        ).stdout.strip()
        head = out("rev-parse", "--abbrev-ref", "HEAD", cwd=path).replace("/", "-")
        git("update-ref", f"refs/phasegate/unresolved/{head}-{kept[:12]}", kept, cwd=path)
        git("merge", "--abort", cwd=path, check=False)
    if not uncommitted(path):
        return None
    git("add", "-A", cwd=path)
    git("commit", "-q", "--no-verify", "-m", message, cwd=path, env=env)
    return out("rev-parse", "HEAD", cwd=path)


def remove(repo: str | Path, path: Path) -> None:
    """Remove a worktree; git itself refuses when it holds changes (no --force here)."""
    git("worktree", "remove", str(path), cwd=repo)


def is_merged(repo: str | Path, branch: str, into: str) -> bool:
    """Is every commit of `branch` reachable from `into`?"""
    r = git("merge-base", "--is-ancestor", branch, into, cwd=repo, check=False)
    return r.returncode == 0


def changed_files(repo: str | Path, branch: str, exclude: list[str]) -> list[str]:
    """Files changed by `branch`'s own commits, not by what was merged into it from the
    `exclude` refs (its base and the branches it was stacked on)."""
    have = [r for r in exclude if rev(r, cwd=repo) is not None]
    text = git(
        "log", "--no-merges", "--name-only", "--format=", branch, "--not", *have,
        cwd=repo, check=False,
    ).stdout  # fmt: skip
    return sorted({line for line in text.splitlines() if line})


def exclude(repo: str | Path, pattern: str) -> bool:
    """Add `pattern` to the repository's own ignore list (.git/info/exclude, never a
    tracked file); False when it was there already."""
    common = Path(out("rev-parse", "--git-common-dir", cwd=repo))
    if not common.is_absolute():
        common = Path(repo) / common
    path = common / "info" / "exclude"
    text = path.read_text() if path.exists() else ""
    if pattern in text.splitlines():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    sep = "" if not text or text.endswith("\n") else "\n"
    path.write_text(f"{text}{sep}{pattern}\n")
    return True


def _merging(path: str | Path) -> bool:
    return rev("MERGE_HEAD", cwd=path) is not None
