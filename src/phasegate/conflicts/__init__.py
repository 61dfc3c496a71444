"""Conflicts between parallel efforts: predicted from the plan, actual from git, and scope
drift; plus the findings the run engine records before each merge.

For the run engine:

    findings = check_before_merge(repo, branch, others, integration)
    record_findings(store, findings, effort=effort_id)

and for a gate's `conflicts: N` requirement, `len(open_findings(store))`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.conflicts.predict import SUGGESTIONS, Predicted, overlapping_pairs, predicted
from phasegate.conflicts.scope import Drift, drift

if TYPE_CHECKING:
    from phasegate.store import Store

__all__ = [
    "SUGGESTIONS",
    "Drift",
    "Finding",
    "Predicted",
    "check_before_merge",
    "drift",
    "open_findings",
    "overlapping_pairs",
    "predicted",
    "record_findings",
]

FINDING = "conflict.finding"


@dataclass(frozen=True)
class Finding:
    """The trial merge of branch `a` with branch `b` conflicts (`files` empty: it is clean)."""

    a: str
    b: str
    files: tuple[str, ...]
    kinds: tuple[str, ...]
    source: str = "merge-check"

    @property
    def conflicting(self) -> bool:
        return bool(self.files)

    def to_json(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "files": list(self.files),
            "kinds": list(self.kinds),
            "source": self.source,
        }


def check_before_merge(
    repo: Path, branch: str, others: list[str], integration: str
) -> list[Finding]:
    """Trial-merge `branch` with each live branch in `others` and with `integration`, without
    touching any checkout; one Finding per pair examined, clean pairs with empty `files`.

    Branches that do not exist are skipped (an integration branch not created yet, say).
    Pass the result to `record_findings` so gates and `phasegate conflicts` see it.
    """
    from phasegate.conflicts.actual import analyse
    from phasegate.git import diffs

    names = [branch, *[o for o in others if o != branch]]
    if integration and integration not in names:
        names.append(integration)
    tips = {n: c for n, c in diffs.resolve(repo, names).items() if c is not None}
    if branch not in tips:
        return []
    pairs = [(branch, n) for n in tips if n != branch]
    result = analyse(repo, tips, pairs)
    bad = {(t.a, t.b): t for t in result.textual}
    out: list[Finding] = []
    for a, b in pairs:
        t = bad.get((a, b))
        out.append(Finding(a, b, t.files, t.kinds) if t else Finding(a, b, (), ()))
    return out


def record_findings(store: Store, findings: list[Finding], *, effort: str | None = None) -> None:
    """Append one `conflict.finding` event per examined pair; a clean result for a pair
    resolves whatever was found for it before."""
    for f in findings:
        store.append(FINDING, effort=effort, data=f.to_json())


def open_findings(store: Store) -> list[Finding]:
    """Conflicts still standing: for each pair of branches, the latest finding, if it found
    files in conflict."""
    latest: dict[tuple[str, str], Finding] = {}
    for ev in store.conflict_findings():
        d = ev.data
        a, b = str(d.get("a", "")), str(d.get("b", ""))
        raw_files = d.get("files") or []
        raw_kinds = d.get("kinds") or []
        f = Finding(
            a,
            b,
            tuple(str(x) for x in raw_files),
            tuple(str(x) for x in raw_kinds),
            str(d.get("source", "")),
        )
        latest[(min(a, b), max(a, b))] = f
    return [f for _, f in sorted(latest.items()) if f.conflicting]
