"""The plan's shared remote (`repo.remote`): what machines running attempts fetch from and
push to, and what the coordinator merges from.

Effort branches on the remote are written only with a lease (`--force-with-lease` on the
value the writer last saw), so an attempt that lost its place cannot overwrite the work of
the attempt that replaced it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from phasegate.git import git, rev

# Remote branches land here, away from the user's own remote-tracking refs.
MIRROR = "refs/phasegate/remote/heads"

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/:]+@[^:]+:")


def absolute(remote: str, relative_to: Path) -> str:
    """A URL as it is; a local path made absolute, so every process reads it alike."""
    if _URL.match(remote):
        return remote
    return str((relative_to / Path(remote).expanduser()).resolve())


def init_cache(path: Path) -> Path:
    """A repository of this machine's own to fetch into and stack branches in."""
    if rev("HEAD", cwd=path) is None and not (path / ".git").exists():
        path.mkdir(parents=True, exist_ok=True)
        git("init", "-q", str(path), cwd=path)
    return path


def fetch(repo: Path, remote: str) -> None:
    """Every branch of the remote into MIRROR (pruned: a deleted remote branch goes too)."""
    git(
        "fetch", "-q", "--no-tags", "--prune", remote, f"+refs/heads/*:{MIRROR}/*", cwd=repo
    )  # fmt: skip


def fetch_ref(repo: Path, remote: str, ref: str, into: str) -> str | None:
    """One ref of the remote into `into`; its commit, or None when the remote lacks it."""
    r = git("fetch", "-q", "--no-tags", remote, f"+{ref}:{into}", cwd=repo, check=False)
    if r.returncode != 0:
        return None
    return rev(into, cwd=repo)


def heads(repo: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(the remote's branches as last fetched, the local branches): name -> commit, read
    in one git call however many branches the plan has."""
    text = git(
        "for-each-ref", "--format=%(objectname) %(refname)", MIRROR + "/", "refs/heads/", cwd=repo
    ).stdout
    remote: dict[str, str] = {}
    local: dict[str, str] = {}
    for line in text.splitlines():
        sha, _, name = line.partition(" ")
        if name.startswith(MIRROR + "/"):
            remote[name[len(MIRROR) + 1 :]] = sha
        elif name.startswith("refs/heads/"):
            local[name[len("refs/heads/") :]] = sha
    return remote, local


def mirrored(repo: Path, branch: str) -> str | None:
    """The remote's `branch` as last fetched."""
    return rev(f"{MIRROR}/{branch}", cwd=repo)


def remote_sha(repo: Path, remote: str, ref: str) -> str | None:
    """What `ref` is on the remote now (ls-remote), or None when it does not exist."""
    text = git("ls-remote", remote, ref, cwd=repo).stdout
    for line in text.splitlines():
        sha, _, name = line.partition("\t")
        if name == ref:
            return sha
    return None


def follow(repo: Path, branch: str, sha: str, keep: str | None = None) -> bool:
    """Move the local `branch` to `sha` when that loses nothing: it is new, already there, or
    behind `sha`. A branch with commits of its own (a person's, say) is left as it is, or,
    given `keep`, kept under that ref first and moved. True when it now points at `sha`."""
    from phasegate.git.history import is_ancestor

    local = rev(f"refs/heads/{branch}", cwd=repo)
    if local == sha:
        return True
    if local is not None and not is_ancestor(repo, local, sha):
        if keep is None:
            return False
        git("update-ref", keep, local, cwd=repo)
    set_branch(repo, branch, sha)
    return True


def set_branch(repo: Path, branch: str, sha: str) -> None:
    """Point a local branch at `sha`. update-ref, not `branch -f`: the branch may be checked
    out in a stale worktree, which is recreated before it is used again."""
    git("update-ref", f"refs/heads/{branch}", sha, cwd=repo)


@dataclass(frozen=True)
class Pushed:
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Update:
    sha: str
    ref: str  # full ref name on the remote
    lease: str | None = None  # the value the remote must hold; "" : the ref must not exist


def push(repo: Path, remote: str, updates: Sequence[Update]) -> Pushed:
    """Push every update or none (--atomic); a lease the remote no longer matches refuses
    the lot and says so."""
    leases = [f"--force-with-lease={u.ref}:{u.lease}" for u in updates if u.lease is not None]
    # A lease already makes the update a forced one; an update without one is forced
    # outright (refs of one attempt's own).
    specs = [f"{'' if u.lease is not None else '+'}{u.sha}:{u.ref}" for u in updates]
    r = git("push", "--atomic", "--porcelain", *leases, remote, *specs, cwd=repo, check=False)
    if r.returncode == 0:
        return Pushed(True)
    said = [
        x.strip() for x in (r.stdout + "\n" + r.stderr).splitlines() if "!" in x or "error" in x
    ]
    return Pushed(False, "; ".join(said[:4]) or f"git push exit {r.returncode}")


def publish(repo: Path, remote: str, branch: str) -> Pushed:
    """Fast-forward the remote's `branch` to the local one (never forced)."""
    sha = rev(f"refs/heads/{branch}", cwd=repo)
    if sha is None:
        return Pushed(False, f"no local branch {branch}")
    r = git("push", "--porcelain", remote, f"{sha}:refs/heads/{branch}", cwd=repo, check=False)
    if r.returncode == 0:
        return Pushed(True)
    lines = [x.strip() for x in (r.stdout + "\n" + r.stderr).splitlines() if x.strip()]
    return Pushed(False, "; ".join(lines[-3:]) or f"git push exit {r.returncode}")


def reclaim(repo: Path, path: Path, keep: str) -> str | None:
    """Free `path` (a worktree an earlier attempt on this machine left) for a new one. What
    it holds is committed and kept under the ref `keep` first; returns that ref, or None
    when there was no worktree there."""
    from phasegate.git.worktrees import commit_leftover, find

    if find(repo, path) is None or not path.is_dir():
        git("worktree", "prune", cwd=repo)
        return None
    commit_leftover(path, "phasegate: work an attempt left in this worker's checkout")
    tip = rev("HEAD", cwd=path)
    if tip is not None:
        git("update-ref", keep, tip, cwd=repo)
    git("worktree", "remove", "--force", str(path), cwd=repo)
    return keep if tip is not None else None


def drop_branch(repo: Path, branch: str) -> None:
    """Forget the local `branch` (its commits stay reachable from the remote and refs)."""
    git("update-ref", "-d", f"refs/heads/{branch}", cwd=repo, check=False)
