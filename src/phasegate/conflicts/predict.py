"""Predicted conflicts, from the plan alone: efforts that may run at the same time and
declare overlapping files. Pure: no git, no filesystem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from phasegate import globs
from phasegate.plangraph import PlanGraph

if TYPE_CHECKING:
    from phasegate.plan.model import Plan

SUGGESTIONS = ("add a dependency", "move one to another wave", "merge them")


@dataclass(frozen=True)
class Predicted:
    a: str
    b: str
    globs: tuple[str, str]  # one overlapping glob of each effort
    suggestions: tuple[str, ...] = SUGGESTIONS

    @property
    def shared(self) -> str:
        f, f2 = self.globs
        return f"'{f}'" if f == f2 else f"'{f}' / '{f2}'"

    def message(self) -> str:
        return (
            f"efforts {self.a!r} and {self.b!r} may run at the same time and both declare "
            f"{self.shared}: " + ", ".join(self.suggestions[:-1]) + f", or {self.suggestions[-1]}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "globs": list(self.globs),
            "suggestions": list(self.suggestions),
        }


def overlapping_pairs(
    g: PlanGraph, files: list[tuple[int, list[str]]]
) -> list[tuple[int, int, str]]:
    """Pairs of concurrently runnable efforts (node indexes) whose globs overlap, with one
    shared glob pair rendered for a message; the form `phasegate check` reports."""
    return [(a, b, _render(f, f2)) for a, b, (f, f2, _) in _pairs(g, files)]


def predicted(plan: Plan, g: PlanGraph | None = None) -> list[Predicted]:
    g = g or PlanGraph.of(plan)
    files = [(g.index[e.id], list(e.files)) for e in plan.efforts if e.files]
    out = []
    for a, b, (f, f2, swapped) in _pairs(g, files):
        out.append(Predicted(g.nodes[a].id, g.nodes[b].id, (f2, f) if swapped else (f, f2)))
    return out


def _render(f: str, f2: str) -> str:
    return f"'{f}'" if f == f2 else f"'{f}' / '{f2}'"


def _pairs(
    g: PlanGraph, files: list[tuple[int, list[str]]]
) -> list[tuple[int, int, tuple[str, str, bool]]]:
    # Globs whose literal prefix names a top-level directory can only meet globs under the
    # same directory (or globs with no directory in their prefix): bucket by it.
    buckets: dict[str, list[tuple[int, str]]] = {}
    wild: list[tuple[int, str]] = []
    for k, fl in files:
        for f in fl:
            prefix = globs.literal_prefix(f)
            if "/" in prefix:
                buckets.setdefault(prefix.split("/", 1)[0], []).append((k, f))
            else:
                wild.append((k, f))
    found: dict[tuple[int, int], tuple[str, str, bool]] = {}
    groups = [*buckets.values()]
    for k, f in wild:
        for group in [*groups, wild]:
            for k2, f2 in group:
                if k2 != k:
                    _try(found, g, k, f, k2, f2)
    for group in groups:
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                (k, f), (k2, f2) = group[x], group[y]
                if k != k2:
                    _try(found, g, k, f, k2, f2)
    return [(a, b, s) for (a, b), s in sorted(found.items())]


def _try(
    found: dict[tuple[int, int], tuple[str, str, bool]],
    g: PlanGraph,
    k: int,
    f: str,
    k2: int,
    f2: str,
) -> None:
    # The globs keep the order they were found in (messages depend on it); `swapped` says
    # whether the first belongs to the later effort.
    a, b = min(k, k2), max(k, k2)
    if (a, b) in found or not globs.overlap(f, f2):
        return
    if g.concurrent(g.nodes[a].id, g.nodes[b].id):
        found[(a, b)] = (f, f2, k != a)
