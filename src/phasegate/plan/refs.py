"""Branch names as git takes them, checked before `run` meets them.

The rules are those of `git check-ref-format --branch`; git also keeps every branch as a
file under `.git/refs/heads/`, which is why one branch cannot be a folder of another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BAD_CHAR = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_MAX_PART = 255  # bytes in a file name on the usual file systems
_LOCK = ".lock"  # git writes `<branch>.lock` beside a branch while it updates it


def file_stem(effort_id: str) -> str:
    """The name an effort's worktree, brief and log files go by: the id with characters a
    file name cannot (or should not) hold replaced, so two ids can share one."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", effort_id)


def branch_problem(name: str) -> str | None:
    """Why git would refuse `name` as a branch, or None."""
    if not name:
        return "it is empty"
    if name in ("@", "HEAD"):
        return f"git reserves {name!r}"
    if name.startswith("-"):
        return "it starts with '-'"
    bad = _BAD_CHAR.search(name)
    if bad:
        ch = bad.group()
        shown = "a space" if ch == " " else repr(ch) if ch.isprintable() else "a control character"
        return f"it contains {shown}"
    for seq in ("..", "@{", "//"):
        if seq in name:
            return f"it contains {seq!r}"
    if name.startswith("/") or name.endswith("/"):
        return "it starts or ends with '/'"
    if name.endswith("."):
        return "it ends with '.'"
    parts = name.split("/")
    for k, part in enumerate(parts):
        if part.startswith("."):
            return f"its part {part!r} starts with '.'"
        if part.endswith(_LOCK):
            return f"its part {part!r} ends with '.lock'"
        size = len(part.encode())
        limit = _MAX_PART - len(_LOCK) if k == len(parts) - 1 else _MAX_PART
        if size > limit:
            return (
                f"its part {part[:20]!r}... is {size} bytes long; git keeps a branch as a file "
                f"and file names stop at {_MAX_PART} bytes, so keep it to {limit}"
            )
    return None


@dataclass(frozen=True)
class Clash:
    other: str  # the branch already claimed
    owner: str  # who claimed it, as a phrase: "the branch of effort 'a'"
    same: bool  # the very same name, rather than one a folder of the other

    def explain(self, name: str) -> str:
        if self.same:
            return f"{name!r}, which is {self.owner} already"
        return (
            f"{name!r}, which git cannot hold beside {self.other!r}, {self.owner}: branch "
            "names are paths, so one cannot be a folder of the other"
        )


class BranchNames:
    """Branches claimed so far; each claim costs one lookup per '/' in the name."""

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}
        self._folders: dict[str, str] = {}  # each proper '/'-prefix -> a branch under it

    def claim(self, name: str, owner: str) -> Clash | None:
        """Record `name` for `owner`, or say what it clashes with (and record nothing)."""
        if name in self._owner:
            return Clash(name, self._owner[name], True)
        if name in self._folders:
            other = self._folders[name]
            return Clash(other, self._owner[other], False)
        parts = name.split("/")
        folders = ["/".join(parts[:k]) for k in range(1, len(parts))]
        for folder in folders:
            if folder in self._owner:
                return Clash(folder, self._owner[folder], False)
        self._owner[name] = owner
        for folder in folders:
            self._folders.setdefault(folder, name)
        return None
