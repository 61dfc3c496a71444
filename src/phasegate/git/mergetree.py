"""Trial merges without a working tree: `git merge-tree --write-tree`, parsed.

The merge writes objects to the repository's object store (harmless, unreferenced) and
touches no branch, index or checkout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from phasegate.errors import GitError
from phasegate.git import git, require_version

# Normalised kinds, from the "CONFLICT (...)" label git prints. git labels add/add as
# "contents" in its machine-readable type field, so the message text is what we read.
_KINDS = {
    "content": "content",
    "contents": "content",
    "add/add": "add/add",
    "modify/delete": "modify/delete",
    "rename/delete": "rename/delete",
    "rename/rename": "rename/rename",
    "rename involved in collision": "rename/rename",
    "rename/add": "rename/add",
    "file/directory": "directory/file",
    "directory/file": "directory/file",
    "directory rename split": "rename",
    "implicit dir rename": "rename",
    "file location": "rename",
    "distinct modes": "mode",
    "distinct types": "mode",
    "submodule": "submodule",
}
_LABEL = re.compile(r"^CONFLICT \(([^)]*)\)")


@dataclass(frozen=True)
class MergeOutcome:
    a: str
    b: str
    clean: bool
    tree: str
    files: tuple[str, ...]  # paths left unmerged, as `git merge` would leave them
    kinds: tuple[str, ...]
    messages: tuple[str, ...]


def kind_of(label: str) -> str:
    text = label.strip().lower()
    if text in _KINDS:
        return _KINDS[text]
    if text.startswith("submodule"):
        return "submodule"
    if "rename" in text:
        return "rename"
    return text


def parse(a: str, b: str, returncode: int, output: str) -> MergeOutcome:
    """Parse `--write-tree --name-only --messages -z` output (exit 0 clean, 1 conflicted)."""
    if returncode not in (0, 1):
        raise GitError(f"git merge-tree {a} {b}: {output.strip() or f'exit {returncode}'}")
    head, sep, info = output.partition("\0\0")
    parts = [p for p in head.split("\0") if p]
    if not parts:
        raise GitError(f"git merge-tree {a} {b}: no tree in output")
    tree, files = parts[0], tuple(parts[1:])
    kinds: list[str] = []
    messages: list[str] = []
    tokens = info.split("\0") if sep else []
    i = 0
    # Each message: <count> NUL <path>... NUL <type> NUL <message> NUL
    while i < len(tokens) and tokens[i]:
        try:
            n = int(tokens[i])
        except ValueError:
            break
        i += 1 + n
        if i + 1 >= len(tokens):
            break
        message = tokens[i + 1].rstrip("\n")
        i += 2
        m = _LABEL.match(message)
        if m:
            messages.append(message)
            k = kind_of(m.group(1))
            if k not in kinds:
                kinds.append(k)
    clean = returncode == 0
    return MergeOutcome(a, b, clean, tree, () if clean else files, tuple(kinds), tuple(messages))


def merge_tree(repo: Path, a: str, b: str, *, unrelated: bool = False) -> MergeOutcome:
    require_version()
    args = ["merge-tree", "--write-tree", "--name-only", "--messages", "-z"]
    if unrelated:
        args.append("--allow-unrelated-histories")
    r = git(*args, a, b, cwd=repo, check=False)
    return parse(a, b, r.returncode, r.stdout if r.returncode in (0, 1) else r.stderr)


def merge_many(
    repo: Path, pairs: Sequence[tuple[str, str, bool]], *, workers: int | None = None
) -> list[MergeOutcome]:
    """Trial-merge many (a, b, unrelated) pairs, several git processes at a time."""
    if not pairs:
        return []
    require_version()
    # Each merge is mostly process start-up and object reads, so more processes than
    # cores still pays off.
    n = workers or min(8, 2 * (os.cpu_count() or 1))
    if n <= 1 or len(pairs) == 1:
        return [merge_tree(repo, a, b, unrelated=u) for a, b, u in pairs]
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda p: merge_tree(repo, p[0], p[1], unrelated=p[2]), pairs))
