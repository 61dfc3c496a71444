"""What git keeps between attempts: a failed attempt's work set aside under its own ref, a
branch brought back to where its attempt started, and a conflicting merge prepared for
someone (a person or an agent) to resolve.

Nothing here throws work away: a branch is moved back only after its work is on a ref.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phasegate.git import git, identity_env, out, rev
from phasegate.git.worktrees import commit_leftover, is_merged, uncommitted
from phasegate.plan.refs import file_stem

ATTEMPTS = "refs/phasegate/attempts"


def attempt_ref(effort_id: str, attempt: int) -> str:
    return f"{ATTEMPTS}/{file_stem(effort_id)}/{attempt}"


def head(worktree: Path) -> str | None:
    return rev("HEAD", cwd=worktree)


def keep_attempt(worktree: Path, effort_id: str, attempt: int, start: str | None) -> str | None:
    """Keep what attempt `attempt` left on its branch under its attempt ref; the ref's name,
    or None when the attempt added nothing beyond `start`."""
    tip = head(worktree)
    if tip is None or tip == start:
        return None
    ref = attempt_ref(effort_id, attempt)
    git("update-ref", ref, tip, cwd=worktree)
    return ref


def restart_from(worktree: Path, start: str, message: str) -> bool:
    """Move the worktree's branch back to `start` (where an earlier attempt started from),
    once its work is safe: anything uncommitted is committed first, and the caller has kept
    the tip under an attempt ref. False (nothing moved) when HEAD is not a descendant of
    `start` (someone rewrote the branch: theirs stands)."""
    if merging(worktree) or uncommitted(worktree):
        commit_leftover(worktree, message)
    tip = head(worktree)
    if tip is None or tip == start or not is_merged(worktree, start, tip):
        return False
    git("reset", "-q", "--hard", start, cwd=worktree)
    return True


def merging(worktree: Path) -> bool:
    return rev("MERGE_HEAD", cwd=worktree) is not None


def unmerged_files(worktree: Path) -> list[str]:
    text = git("diff", "--name-only", "--diff-filter=U", cwd=worktree, check=False).stdout
    return [f for f in text.splitlines() if f]


@dataclass(frozen=True)
class Prepared:
    """A merge of `other` into the worktree's branch, as left for someone to finish."""

    other: str
    files: list[str] = field(default_factory=list)  # conflicting; empty: the merge was clean
    committed: str | None = None  # the merge commit, when it merged cleanly
    already: bool = False  # `other` was merged in before: nothing left to resolve
    failure: str = ""  # git refused for a reason other than a conflict

    @property
    def in_progress(self) -> bool:
        return bool(self.files)


def prepare_merge(worktree: Path, other: str, message: str) -> Prepared:
    """Start merging `other` into the worktree's branch and stop at the conflicts, markers
    in place, merge in progress. Idempotent: a merge of `other` already in progress is left
    as it is; one that merges cleanly (`other` moved on, say) is committed."""
    if merging(worktree):
        return Prepared(other, unmerged_files(worktree))
    if rev(other, cwd=worktree) is None:
        return Prepared(other, failure=f"{other} does not exist")
    if is_merged(worktree, other, "HEAD"):
        return Prepared(other, already=True)
    if uncommitted(worktree):
        commit_leftover(worktree, f"phasegate: work left uncommitted before merging {other}")
    r = git(
        "merge", "--no-ff", "--no-verify", "--no-commit", other,
        cwd=worktree, check=False, env=identity_env(worktree),
    )  # fmt: skip
    files = unmerged_files(worktree)
    if files:
        return Prepared(other, files)
    if r.returncode != 0 and not merging(worktree):
        lines = [x.strip() for x in (r.stderr or r.stdout).splitlines() if x.strip()]
        return Prepared(other, failure="; ".join(lines[:4]) or f"git merge exit {r.returncode}")
    git("commit", "-q", "--no-verify", "-m", message, cwd=worktree, env=identity_env(worktree))
    return Prepared(other, committed=out("rev-parse", "HEAD", cwd=worktree))


def sides(worktree: Path, path: str) -> tuple[str, str]:
    """The two versions of a conflicting file: (this branch's, the other side's)."""
    ours = git("show", f":2:{path}", cwd=worktree, check=False)
    theirs = git("show", f":3:{path}", cwd=worktree, check=False)
    return (
        ours.stdout if ours.returncode == 0 else "",
        theirs.stdout if theirs.returncode == 0 else "",
    )


def commits_between(repo: Path, tip: str, since: str, limit: int = 10) -> list[str]:
    """One line per commit of `tip` not in `since`, newest first: what the other side did."""
    have = [x for x in (since,) if rev(x, cwd=repo) is not None]
    r = git(
        "log", "--no-merges", f"-{limit}", "--format=%h %s", tip, *(f"^{x}" for x in have),
        cwd=repo, check=False,
    )  # fmt: skip
    return [x for x in r.stdout.splitlines() if x]
