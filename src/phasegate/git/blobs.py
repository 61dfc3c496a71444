"""File contents at a commit or tree, read without a checkout."""

from __future__ import annotations

from pathlib import Path

from phasegate.git import git


def read_blob(repo: Path, treeish: str, path: str) -> str | None:
    """The text of `path` (relative to the repository root) in `treeish`; None when it is
    not there or is not a file."""
    r = git("cat-file", "-p", f"{treeish}:{path}", cwd=repo, check=False)
    if r.returncode != 0:
        return None
    kind = git("cat-file", "-t", f"{treeish}:{path}", cwd=repo, check=False).stdout.strip()
    return r.stdout if kind == "blob" else None
