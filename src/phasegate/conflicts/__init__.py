"""Conflicts between parallel efforts: predicted from the plan, actual from git, and scope
drift; plus the findings the run engine records before each merge.

For the run engine, before merging a finished effort:

    others = [b for b in live_branches(repo, plan, store.efforts()) if b != branch]
    findings = check_before_merge(repo, branch, others, plan.repo.integration)
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
    from phasegate.plan.model import Plan
    from phasegate.store import EffortView, Store

__all__ = [
    "SUGGESTIONS",
    "Drift",
    "Finding",
    "Predicted",
    "branch_drift",
    "check_before_merge",
    "drift",
    "live_branches",
    "open_findings",
    "overlapping_pairs",
    "predicted",
    "record_drift",
    "record_findings",
    "recorded_drift",
]

FINDING = "conflict.finding"
RESOLVED = "conflict.resolved"
DRIFT = "conflict.drift"


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


def live_branches(repo: Path, plan: Plan, views: dict[str, EffortView] | None) -> list[str]:
    """Names of the live effort branches (running, checking, or done and not merged)."""
    from phasegate.conflicts.report import live_branches as live

    return sorted(live(repo, plan, views))


def record_findings(store: Store, findings: list[Finding], *, effort: str | None = None) -> None:
    """Record what a check found: a `conflict.finding` event per conflicting pair, and a
    `conflict.resolved` event for a clean pair that had an open finding."""
    still_open = {_key(f) for f in open_findings(store)}
    for f in findings:
        if f.conflicting:
            store.append(FINDING, effort=effort, data={**f.to_json(), "kind": "actual"})
        elif _key(f) in still_open:
            store.append(RESOLVED, effort=effort, data={"a": f.a, "b": f.b, "source": f.source})


def open_findings(store: Store) -> list[Finding]:
    """Conflicts still standing: for each pair of branches, its latest finding unless a
    later check found the pair clean. A gate's `conflicts: N` compares N with their count."""
    latest: dict[tuple[str, str], Finding | None] = {}
    for ev in store.events(kinds=[FINDING, RESOLVED]):
        d = ev.data
        a, b = str(d.get("a", "")), str(d.get("b", ""))
        if ev.kind == RESOLVED:
            latest[(min(a, b), max(a, b))] = None
            continue
        f = Finding(
            a,
            b,
            tuple(str(x) for x in d.get("files") or []),
            tuple(str(x) for x in d.get("kinds") or []),
            str(d.get("source", "")),
        )
        latest[(min(a, b), max(a, b))] = f
    return [f for _, f in sorted(latest.items()) if f is not None and f.conflicting]


def _key(f: Finding) -> tuple[str, str]:
    return (min(f.a, f.b), max(f.a, f.b))


def branch_drift(repo: Path, plan: Plan, effort_id: str) -> Drift | None:
    """Files the effort's branch changed outside its declared globs (what its dependencies'
    branches brought in is not its doing), or None."""
    from phasegate.conflicts.report import scope_drift

    found = scope_drift(repo, plan, {plan.branch_of(plan.effort(effort_id))})
    return found[0] if found else None


def record_drift(store: Store, d: Drift, *, attempt: int | None) -> None:
    """Keep what the branch looked like when it was merged: once merged, its branch is no
    longer live and `phasegate conflicts` would not see the drift any more."""
    store.append(
        DRIFT, effort=d.effort, attempt=attempt, data=d.to_json(),
        key=f"drift:{d.effort}:{attempt}",
    )  # fmt: skip


def recorded_drift(store: Store) -> list[Drift]:
    """The latest drift recorded for each effort."""
    latest: dict[str, Drift] = {}
    for ev in store.events(kinds=[DRIFT]):
        d = ev.data
        effort = str(d.get("effort", ev.effort or ""))
        latest[effort] = Drift(
            effort,
            str(d.get("branch", "")),
            tuple(str(x) for x in d.get("files") or []),
            tuple(str(x) for x in d.get("declared") or []),
        )
    return [latest[k] for k in sorted(latest)]
