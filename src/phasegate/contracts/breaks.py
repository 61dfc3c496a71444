"""Contract breaks: would merging a branch take away a contract another effort provides?

Judged on what git would make of the merge (`git merge-tree --write-tree`), against the
integration branch as it is: a contract that holds there and no longer holds in the merged
tree is broken by the branch. Command contracts need a checkout and are judged only after
merges, on the integration branch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from phasegate.contracts.verify import Evidence, Reader, verify
from phasegate.plan.model import Contract


@dataclass(frozen=True)
class Provided:
    effort: str
    branch: str
    contract: Contract


@dataclass(frozen=True)
class Trial:
    broken: list[tuple[Provided, Evidence]]
    whole: list[Provided]


def tree_reader(repo: Path, treeish: str, prefix: Path) -> Reader:
    from phasegate.git.blobs import read_blob

    def read(rel: str) -> str | None:
        return read_blob(repo, treeish, str(PurePosixPath(prefix.as_posix()) / rel))

    return read


def trial(
    repo: Path, integration: str, branch: str, prefix: Path, provided: Sequence[Provided]
) -> Trial:
    """Judge `provided` on the integration branch and on its trial merge with `branch`.
    A textual conflict is reported elsewhere; its half-merged tree judges nothing here."""
    judged = [p for p in provided if p.contract.kind != "command"]
    if not judged:
        return Trial([], [])
    from phasegate.git import rev
    from phasegate.git.mergetree import merge_tree

    if rev(integration, cwd=repo) is None or rev(branch, cwd=repo) is None:
        return Trial([], [])
    merged = merge_tree(repo, integration, branch)
    if not merged.clean:
        return Trial([], [])
    before = tree_reader(repo, integration, prefix)
    after = tree_reader(repo, merged.tree, prefix)
    broken: list[tuple[Provided, Evidence]] = []
    whole: list[Provided] = []
    for p in judged:
        was = verify(p.contract, before)
        now = verify(p.contract, after)
        if was is not None and was.ok and now is not None and not now.ok:
            broken.append((p, now))
        else:
            whole.append(p)
    return Trial(broken, whole)
