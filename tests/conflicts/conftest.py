"""Repositories with many branches whose pairwise merges conflict in known ways.

Built with `git fast-import` (one process for the whole repository); the truth about each
pair comes from really merging it (see `oracle`), never from the code under test.
"""

from __future__ import annotations

import random
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import git

FILES = 24
LINES = 40
EDIT_LINES = (4, 16, 28)  # far enough apart that edits of different lines merge cleanly


@dataclass
class Built:
    repo: Path
    branches: list[str]
    ops: dict[str, list[str]] = field(default_factory=dict)  # for failure messages


def _blob(text: str) -> str:
    data = text.encode()
    return f"data {len(data)}\n{text}\n"


def _base_file(i: int) -> list[str]:
    return [f"file {i} line {j}" for j in range(LINES)]


def build_repo(path: Path, n_branches: int, seed: int) -> Built:
    rnd = random.Random(seed)
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for k, v in (("user.email", "t@example.com"), ("user.name", "T"), ("commit.gpgsign", "false")):
        git(path, "config", k, v)
    stamp = "1700000000 +0000"
    out: list[str] = []

    def commit(ref: str, mark: int, parent: int | None, ops: list[str], msg: str) -> None:
        out.append(f"commit {ref}\nmark :{mark}\ncommitter T <t@example.com> {stamp}\n")
        out.append(_blob(msg))
        if parent is not None:
            out.append(f"from :{parent}\n")
        out.extend(ops)

    base_ops = [
        f"M 100644 inline src/f{i:02d}.txt\n" + _blob("\n".join(_base_file(i)) + "\n")
        for i in range(FILES)
    ]
    base_ops.append("M 100644 inline README.md\n" + _blob("base\n"))
    commit("refs/heads/main", 1, None, base_ops, "base")
    built = Built(path, [])
    for b in range(n_branches):
        name = f"agent/b{b:02d}"
        contents: dict[int, list[str]] = {}
        gone: set[int] = set()
        ops: list[str] = []
        notes: list[str] = []
        for _ in range(rnd.randint(2, 5)):
            kind = rnd.choice(["edit", "edit", "edit", "add", "add", "delete", "rename"])
            i = rnd.randrange(FILES)
            if kind in ("edit", "delete", "rename") and i in gone:
                continue
            if kind == "edit":
                lines = contents.setdefault(i, _base_file(i))
                j = rnd.choice(EDIT_LINES)
                lines[j] = f"edited by {name} ({rnd.randrange(3)})"
                notes.append(f"edit f{i:02d}:{j}")
            elif kind == "add":
                k = rnd.randrange(6)
                text = "shared addition\n" if rnd.random() < 0.3 else f"added by {name}\n"
                ops.append(f"M 100644 inline new/n{k}.txt\n" + _blob(text))
                notes.append(f"add n{k}")
            elif kind == "delete":
                contents.pop(i, None)
                gone.add(i)
                ops.append(f"D src/f{i:02d}.txt\n")
                notes.append(f"delete f{i:02d}")
            else:
                lines = contents.pop(i, _base_file(i))
                gone.add(i)
                ops.append(f"D src/f{i:02d}.txt\n")
                ops.append(
                    f"M 100644 inline moved/f{i:02d}-{b}.txt\n" + _blob("\n".join(lines) + "\n")
                )
                notes.append(f"rename f{i:02d}")
        for i, lines in contents.items():
            ops.append(f"M 100644 inline src/f{i:02d}.txt\n" + _blob("\n".join(lines) + "\n"))
        commit(f"refs/heads/{name}", 2 + b, 1, ops, f"work on {name}")
        built.branches.append(name)
        built.ops[name] = notes
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=path, input="".join(out).encode(), check=True
    )
    git(path, "checkout", "-q", "main")
    return built


@dataclass(frozen=True)
class Truth:
    files: tuple[str, ...]
    kinds: tuple[str, ...]


def oracle(built: Built, workers: int = 4) -> dict[tuple[str, str], Truth]:
    """Merge every pair for real (`git merge` in scratch worktrees) and record the paths
    left unmerged and the CONFLICT kinds git printed."""
    names = sorted(built.branches)
    rows = [(a, [b for b in names if b > a]) for a in names[:-1]]
    found: dict[tuple[str, str], Truth] = {}
    admin = threading.Lock()

    def run(slot: int, a: str, others: list[str]) -> dict[tuple[str, str], Truth]:
        wt = built.repo.parent / f"oracle-{slot}-{a.replace('/', '_')}"
        with admin:  # worktree bookkeeping in the shared repository is not concurrent-safe
            git(built.repo, "worktree", "add", "-q", "--detach", str(wt), a)
        # One shell per row keeps process start-up out of the inner loop.
        script = "".join(
            f"echo '@@ {b}'; git merge --no-commit --no-ff {b} 2>/dev/null; "
            "echo '@@ unmerged'; git diff --name-only --diff-filter=U; "
            f"git reset -q --hard {a} 2>/dev/null; "
            for b in others
        )
        p = subprocess.run(["sh", "-c", script], cwd=wt, capture_output=True, text=True)
        with admin:
            git(built.repo, "worktree", "remove", "--force", str(wt))
        out: dict[tuple[str, str], Truth] = {}
        blocks = p.stdout.split("@@ ")
        i = 1
        while i < len(blocks):
            b, _, messages = blocks[i].partition("\n")
            unmerged = blocks[i + 1].partition("\n")[2].split()
            kinds = sorted(
                {
                    line.split("(", 1)[1].split(")", 1)[0]
                    for line in messages.splitlines()
                    if line.startswith("CONFLICT (")
                }
            )
            if unmerged:
                out[(a, b)] = Truth(tuple(sorted(unmerged)), tuple(kinds))
            i += 2
        return out

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(lambda t: run(*t), [(k, a, o) for k, (a, o) in enumerate(rows)]):
            found.update(part)
    return found


@pytest.fixture
def conflict_repo(tmp_path: Path) -> Callable[[int, int], Built]:
    return lambda n, seed: build_repo(tmp_path / f"r{n}-{seed}", n, seed)


@pytest.fixture
def merge_oracle() -> Callable[[Built], dict[tuple[str, str], Truth]]:
    return oracle
