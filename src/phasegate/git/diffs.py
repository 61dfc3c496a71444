"""Changed files between commits, merge bases, and branch listings, in as few git calls as
possible: conflict analysis over many branches must not spawn one process per pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from phasegate.git import git
from phasegate.globs import matches_any

Changes = dict[str, str]  # path -> status letter (A added, D deleted, M modified, T type)


@lru_cache(maxsize=16)
def empty_tree(repo: Path) -> str:
    """The id of the empty tree in this repository's hash (for diffs of root commits)."""
    return git("hash-object", "-t", "tree", "--stdin", cwd=repo, input="").stdout.strip()


def branches(repo: Path, patterns: Sequence[str] = ()) -> dict[str, str]:
    """Local branches whose names match any glob (all when none is given): name -> commit.

    Globs follow phasegate's file globs: `*` stops at `/`, `**` crosses it.
    """
    text = git(
        "for-each-ref", "--format=%(objectname) %(refname:short)", "refs/heads", cwd=repo
    ).stdout
    found: dict[str, str] = {}
    for line in text.splitlines():
        oid, _, name = line.partition(" ")
        if name and (not patterns or matches_any(tuple(patterns), name)):
            found[name] = oid
    return found


def resolve(repo: Path, refs: Sequence[str]) -> dict[str, str | None]:
    """Commit ids of many refs in one call; None for a ref that does not name a commit."""
    if not refs:
        return {}
    args = [f"{r}^{{commit}}" for r in refs]
    r = git("rev-parse", "--verify", "--quiet", "--end-of-options", *args, cwd=repo, check=False)
    if r.returncode == 0:
        return dict(zip(refs, r.stdout.split(), strict=True))
    # One bad ref fails the batch; fall back to asking one at a time.
    out: dict[str, str | None] = {}
    for ref in refs:
        one = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo, check=False)
        out[ref] = one.stdout.strip() if one.returncode == 0 else None
    return out


def own_changes(repo: Path, tip: str, exclude: Sequence[str]) -> list[str]:
    """Files changed by the non-merge commits of `tip` that none of `exclude` contains:
    a branch's own work, whatever was merged into it."""
    text = git(
        "log", "--no-merges", "--name-only", "--format=", tip, "--not", *exclude, "--",
        cwd=repo, check=False,
    ).stdout  # fmt: skip
    return sorted({line for line in text.splitlines() if line})


def octopus_bases(repo: Path, commits: Sequence[str]) -> list[str]:
    """Best common ancestors of all commits at once (empty for unrelated histories)."""
    if len(commits) < 2:
        return list(commits)
    r = git("merge-base", "--octopus", *commits, cwd=repo, check=False)
    return r.stdout.split() if r.returncode == 0 else []


def merge_bases(repo: Path, a: str, b: str) -> list[str]:
    r = git("merge-base", "--all", a, b, cwd=repo, check=False)
    return r.stdout.split() if r.returncode == 0 else []


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    r = git("merge-base", "--is-ancestor", ancestor, descendant, cwd=repo, check=False)
    return r.returncode == 0


def history(repo: Path, tips: Sequence[str], stop: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Commits reachable from `tips` but not from the parents of `stop`, parents first,
    each with its parents: enough of the graph to compute every pairwise merge base.
    """
    excludes = [f"^{s}^@" for s in stop]
    text = git(
        "rev-list", "--parents", "--topo-order", "--reverse", *tips, *excludes, cwd=repo
    ).stdout
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        ids = line.split()
        if ids:
            out.append((ids[0], ids[1:]))
    return out


def changed_many(repo: Path, pairs: Sequence[tuple[str | None, str]]) -> list[Changes]:
    """Files changed from each commit `old` to commit `new` (None: from nothing), with one
    git process for all pairs that have an `old`.

    Renames are reported as a deletion plus an addition, so both paths take part in overlap
    checks; merge-tree still sees the rename.
    """
    out: list[Changes] = [{} for _ in pairs]
    batch = [(i, old, new) for i, (old, new) in enumerate(pairs) if old is not None]
    if batch:
        # `--stdin` reads "<commit> <parent>" lines and diffs parent -> commit; `--always`
        # prints the header even for an empty diff, so answers stay countable.
        text = git(
            "diff-tree",
            "--stdin",
            "--always",
            "-r",
            "--no-renames",
            "--name-status",
            "-z",
            cwd=repo,
            input="".join(f"{new} {old}\n" for _, old, new in batch),
        ).stdout
        for (i, _, _), found in zip(batch, _parse_stdin_diff(text, len(batch)), strict=True):
            out[i] = found
    for i, (old, new) in enumerate(pairs):
        if old is None:
            text = git(
                "diff-tree",
                "-r",
                "--no-renames",
                "--name-status",
                "-z",
                empty_tree(repo),
                new,
                cwd=repo,
            ).stdout
            tokens = text.split("\0")
            out[i] = {tokens[k + 1]: tokens[k][0] for k in range(0, len(tokens) - 1, 2)}
    return out


def _parse_stdin_diff(text: str, count: int) -> list[Changes]:
    # Each input line yields a header token (an object id) followed by status/path pairs.
    # Status tokens are one letter (no rename scores with --no-renames), ids are 40+ hex.
    tokens = text.split("\0")
    out: list[Changes] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok:
            i += 1
            continue
        if len(tok) > 1:  # at a status position, anything longer is the next header
            out.append({})
            i += 1
            continue
        if not out or i + 1 >= len(tokens):
            raise ValueError(f"unexpected diff-tree output near {tok!r}")
        out[-1][tokens[i + 1]] = tok[0]
        i += 2
    if len(out) != count:
        raise ValueError(f"diff-tree answered {len(out)} of {count} comparisons")
    return out


def changed(repo: Path, old: str | None, new: str) -> Changes:
    return changed_many(repo, [(old, new)])[0]
