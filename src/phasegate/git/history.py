"""Reading history for integrity: where a worktree's HEAD stands against its branch, and the
commits a branch's first-parent line holds beyond its base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phasegate.git import git, out, rev


@dataclass(frozen=True)
class LineCommit:
    """One commit of a branch's first-parent line."""

    sha: str
    parents: tuple[str, ...]
    message: str

    @property
    def subject(self) -> str:
        return self.message.splitlines()[0] if self.message else ""


def is_ancestor(repo: str | Path, commit: str, of: str) -> bool:
    r = git("merge-base", "--is-ancestor", commit, of, cwd=repo, check=False)
    return r.returncode == 0


def first_parent_line(repo: str | Path, tip: str, base: str | None) -> list[LineCommit]:
    """Commits on `tip`'s first-parent line that `base` does not hold, newest first."""
    args = ["log", "--first-parent", "--format=%H %P%x1f%B%x1e", tip]
    if base is not None:
        args += ["--not", base]
    text = git(*args, cwd=repo).stdout
    found: list[LineCommit] = []
    for record in text.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        head, _, message = record.partition("\x1f")
        sha, *parents = head.split()
        found.append(LineCommit(sha, tuple(parents), message.strip()))
    return found


def reachable(repo: str | Path, tip: str, base: str | None) -> set[str]:
    """Every commit `tip` holds that `base` does not, in one git call."""
    args = ["rev-list", tip] + (["--not", base] if base is not None else [])
    return set(git(*args, cwd=repo).stdout.split())


@dataclass(frozen=True)
class HeadPlace:
    """Where a worktree's HEAD is, judged against the branch it should be on."""

    sha: str | None  # the commit to check and merge; None when HEAD cannot be used
    moved: bool = False  # the branch was moved forward to HEAD
    problem: str = ""


def align_head(worktree: Path, branch: str) -> HeadPlace:
    """Make the worktree's branch the commit its HEAD holds, when HEAD is the branch or work
    built on it (another branch, a detached HEAD); otherwise say why it cannot be used.

    An agent may switch branches in its worktree: its checks would then judge a commit the
    merge of the branch does not contain. Moving the branch forward keeps the two the same.
    """
    head = rev("HEAD", cwd=worktree)
    tip = rev(f"refs/heads/{branch}", cwd=worktree)
    if head is None:
        return HeadPlace(None, problem="its worktree has no commit checked out")
    on = git("symbolic-ref", "-q", "--short", "HEAD", cwd=worktree, check=False).stdout.strip()
    if on == branch and tip == head:
        return HeadPlace(head)
    where = f"branch {on}" if on else "a detached HEAD"
    if tip is None:
        return HeadPlace(None, problem=f"its branch {branch} no longer exists (HEAD is {where})")
    if not is_ancestor(worktree, tip, head):
        return HeadPlace(
            None,
            problem=(
                f"the agent left its worktree on {where} ({head[:12]}), which does not contain "
                f"the effort branch {branch} ({tip[:12]}); only {branch} or work built on it "
                "is checked and merged"
            ),
        )
    if tip != head:
        git("update-ref", f"refs/heads/{branch}", head, tip, cwd=worktree)
    if on != branch:
        git("checkout", "-q", branch, cwd=worktree)
    return HeadPlace(out("rev-parse", "HEAD", cwd=worktree), moved=True)
