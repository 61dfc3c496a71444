"""Pairwise merge bases for many branches from one walk of the commit graph.

Each commit gets a bit; a commit's ancestor set is an integer bitmask, so the common
ancestors of two tips are one AND, and their best common ancestors fall out by repeatedly
taking the newest remaining commit and dropping its ancestors.
"""

from __future__ import annotations

from collections.abc import Sequence


class Ancestry:
    def __init__(self, commits: Sequence[tuple[str, Sequence[str]]]) -> None:
        """`commits`: (id, parents) with every parent listed before its children; parents
        outside the list are ignored (they lie below every merge base of interest)."""
        self.ids: list[str] = []
        self.bit: dict[str, int] = {}
        self.closure: list[int] = []  # ancestors including the commit itself
        for cid, parents in commits:
            k = len(self.ids)
            mask = 1 << k
            for p in parents:
                j = self.bit.get(p)
                if j is not None:
                    mask |= self.closure[j]
            self.ids.append(cid)
            self.bit[cid] = k
            self.closure.append(mask)

    def __contains__(self, commit: str) -> bool:
        return commit in self.bit

    def contains(self, tip: str, commit: str) -> bool:
        """Is `commit` an ancestor of (or equal to) `tip`?"""
        return bool(self.closure[self.bit[tip]] >> self.bit[commit] & 1)

    def merge_bases(self, a: str, b: str) -> tuple[str, ...]:
        """Best common ancestors of a and b (empty when they share no history)."""
        common = self.closure[self.bit[a]] & self.closure[self.bit[b]]
        found: list[str] = []
        while common:
            top = common.bit_length() - 1
            found.append(self.ids[top])
            common &= ~self.closure[top]
        return tuple(sorted(found))
