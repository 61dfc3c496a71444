"""The one place that runs git. Modules here group git operations by purpose:
`core` (this file: running git, repository facts), and topic modules beside it.

Every call goes through `git()`, which translates failures into GitError at this boundary.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from phasegate import proc
from phasegate.errors import GitError

MIN_VERSION = (2, 38)  # `git merge-tree --write-tree`

_ENV = {
    # Deterministic, non-interactive git whatever the user's configuration says.
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_EDITOR": "true",
    "GIT_MERGE_AUTOEDIT": "no",
    "LC_ALL": "C",
}


# Used only when the repository names nobody, so commits phasegate makes (leftover agent
# work, merges, reverts) stay attributable and never fail on a fresh machine.
_IDENTITY = {
    "GIT_AUTHOR_NAME": "phasegate",
    "GIT_AUTHOR_EMAIL": "phasegate@localhost",
    "GIT_COMMITTER_NAME": "phasegate",
    "GIT_COMMITTER_EMAIL": "phasegate@localhost",
}


def git(
    *args: str,
    cwd: str | Path,
    check: bool = True,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> proc.Completed:
    extra = dict(_ENV)
    if env:
        extra.update(env)
    result = proc.run(["git", *args], cwd=cwd, extra_env=extra, input=input)
    if result.returncode == 127:
        raise GitError("git is not installed or not on PATH")
    if check and result.returncode != 0:
        msg = (result.stderr.strip() or result.stdout.strip()).splitlines()
        detail = msg[-1] if msg else f"exit {result.returncode}"
        raise GitError(f"git {' '.join(args[:3])}: {detail}")
    return result


def out(*args: str, cwd: str | Path) -> str:
    return git(*args, cwd=cwd).stdout.strip()


@lru_cache(maxsize=1)
def version() -> tuple[int, int]:
    text = proc.run(["git", "--version"]).stdout
    m = re.search(r"(\d+)\.(\d+)", text)
    if not m:
        raise GitError("git is not installed or not on PATH")
    return int(m.group(1)), int(m.group(2))


def require_version() -> None:
    v = version()
    if v < MIN_VERSION:
        raise GitError(
            f"git {v[0]}.{v[1]} is too old: phasegate needs {MIN_VERSION[0]}.{MIN_VERSION[1]}+ "
            "for 'git merge-tree --write-tree'"
        )


def toplevel(path: str | Path) -> Path:
    r = git("rev-parse", "--show-toplevel", cwd=path, check=False)
    if r.returncode != 0:
        raise GitError(f"{path} is not inside a git repository")
    return Path(r.stdout.strip())


def rev(ref: str, *, cwd: str | Path) -> str | None:
    r = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd, check=False)
    return r.stdout.strip() if r.returncode == 0 else None


def branch_exists(branch: str, *, cwd: str | Path) -> bool:
    return rev(f"refs/heads/{branch}", cwd=cwd) is not None


def identity_env(cwd: str | Path) -> dict[str, str]:
    """Author/committer variables to pass when the repository names nobody."""
    r = git("config", "user.email", cwd=cwd, check=False)
    if r.returncode == 0 and r.stdout.strip():
        return {}
    return {k: v for k, v in _IDENTITY.items() if k not in os.environ}
