"""Actual conflicts between branches, from git.

For every pair: the files each side changed since their merge base; a trial merge
(`git merge-tree`) only for the pairs whose changes touch a common path, because a merge can
only conflict where both sides changed something. Costs: one `rev-list` walk, one batched
`diff-tree`, and one `merge-tree` per overlapping pair, instead of one per pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from phasegate.conflicts.ancestry import Ancestry
from phasegate.git import diffs, mergetree

Pair = tuple[str, str]


@dataclass(frozen=True)
class Textual:
    a: str
    b: str
    files: tuple[str, ...]
    kinds: tuple[str, ...]
    messages: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "files": list(self.files), "kinds": list(self.kinds)}


@dataclass(frozen=True)
class Overlap:
    a: str
    b: str
    files: tuple[str, ...]  # paths both sides changed (or a file on one side, a directory
    clean: bool  # on the other); clean: the trial merge succeeded

    def to_json(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "files": list(self.files), "clean": self.clean}


@dataclass
class Actual:
    branches: dict[str, str]  # name -> commit
    pairs: int = 0
    merged: int = 0  # trial merges run
    textual: list[Textual] = field(default_factory=list)
    overlap: list[Overlap] = field(default_factory=list)


def all_pairs(names: Iterable[str]) -> list[Pair]:
    return list(combinations(sorted(set(names)), 2))


def analyse(
    repo: Path,
    tips: dict[str, str],
    pairs: Sequence[Pair] | None = None,
    *,
    workers: int | None = None,
) -> Actual:
    """Analyse `pairs` of branches (default: every pair); `tips` maps names to commits."""
    todo = all_pairs(tips) if pairs is None else [p for p in pairs if p[0] != p[1]]
    result = Actual(dict(tips), pairs=len(todo))
    if not todo:
        return result
    commits = sorted(set(tips.values()))
    stop = diffs.octopus_bases(repo, commits)
    anc = Ancestry(diffs.history(repo, commits, stop))

    # Each pair needs the changes of both sides since the pair's merge base(s); pairs
    # sharing merge bases (usually all of them) share one index.
    groups: dict[tuple[str, ...], list[Pair]] = defaultdict(list)
    for a, b in todo:
        ca, cb = tips[a], tips[b]
        if ca == cb or anc.contains(ca, cb) or anc.contains(cb, ca):
            continue  # one side already holds the other: the merge is a fast-forward
        groups[anc.merge_bases(ca, cb)].append((a, b))
    wanted: list[tuple[str | None, str]] = []
    for bases, members in groups.items():
        tips_here = {tips[n] for p in members for n in p}
        for t in sorted(tips_here):
            wanted.extend((base, t) for base in (bases or (None,)))
    found = dict(zip(wanted, diffs.changed_many(repo, wanted), strict=True))

    candidates: list[tuple[Pair, tuple[str, ...], bool]] = []
    for bases, members in groups.items():
        changes: dict[str, diffs.Changes] = {}
        for t in {tips[n] for p in members for n in p}:
            merged: diffs.Changes = {}
            for base in bases or (None,):
                merged.update(found[(base, t)])
            changes[t] = merged
        for (a, b), files in _overlapping(members, tips, changes).items():
            candidates.append(((a, b), files, not bases))

    outcomes = mergetree.merge_many(
        repo,
        [(tips[a], tips[b], unrelated) for (a, b), _, unrelated in candidates],
        workers=workers,
    )
    result.merged = len(outcomes)
    for ((a, b), files, _), out in zip(candidates, outcomes, strict=True):
        result.overlap.append(Overlap(a, b, files, out.clean))
        if not out.clean:
            # git names the side of a moved-away path by the commit we passed; use the branch
            files = tuple(_relabel(f, {tips[a]: a, tips[b]: b}) for f in out.files)
            result.textual.append(Textual(a, b, files, out.kinds, out.messages))
    result.overlap.sort(key=lambda o: (o.a, o.b))
    result.textual.sort(key=lambda t: (t.a, t.b))
    return result


def _overlapping(
    members: list[Pair], tips: dict[str, str], changes: dict[str, diffs.Changes]
) -> dict[Pair, tuple[str, ...]]:
    """Pairs among `members` whose changes meet, with the paths where they meet.

    Paths meet when both sides change the same path, when one side's file is a directory
    on the other side, or when one side empties a directory the other adds to (git may
    then move the addition along a directory rename).
    """
    by_file: dict[str, set[str]] = defaultdict(set)
    under: dict[str, set[str]] = defaultdict(set)  # directory -> tips changing below it
    deleted_in: dict[str, set[str]] = defaultdict(set)
    added_in: dict[str, set[str]] = defaultdict(set)
    for t, ch in changes.items():
        for path, status in ch.items():
            by_file[path].add(t)
            for d in _parents(path):
                under[d].add(t)
                if status == "D":
                    deleted_in[d].add(t)
                elif status == "A":
                    added_in[d].add(t)
    meet: dict[tuple[str, str], set[str]] = defaultdict(set)

    def note(xs: Iterable[str], ys: Iterable[str], path: str) -> None:
        for x in xs:
            for y in ys:
                if x != y:
                    meet[(min(x, y), max(x, y))].add(path)

    for path, ts in by_file.items():
        if len(ts) > 1:
            note(ts, ts, path)
        if path in under:
            note(ts, under[path], path)
    for d, ts in deleted_in.items():
        if d in added_in:
            note(ts, added_in[d], d + "/")
    out: dict[Pair, tuple[str, ...]] = {}
    for a, b in members:
        ta, tb = tips[a], tips[b]
        paths = meet.get((min(ta, tb), max(ta, tb)))
        if paths:
            out[(a, b)] = tuple(sorted(paths))
    return out


def _relabel(path: str, names: dict[str, str]) -> str:
    head, sep, tail = path.rpartition("~")
    return f"{head}~{names[tail]}" if sep and tail in names else path


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
