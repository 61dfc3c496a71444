"""Conflict findings judged again against today's branches: a finding stands only while its
pair still conflicts. A pair whose branches are both merged, one of whose branches is gone,
or whose trial merge is now clean is resolved, with a `conflict.resolved` event saying why;
gates count only what stays open."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasegate.conflicts import Finding
    from phasegate.plan.model import Plan
    from phasegate.store import Store


@dataclass(frozen=True)
class Resolved:
    a: str
    b: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"a": self.a, "b": self.b, "why": self.why}


def verdicts(
    findings: list[Finding],
    merged: set[str],
    tips: dict[str, str | None],
    clean: set[tuple[str, str]],
) -> list[Resolved]:
    """Which open findings no longer hold. `merged`: branches whose work is merged (the
    integration branch among them); `tips`: each branch's commit (None: gone); `clean`:
    pairs whose trial merge is clean today. Pure."""
    out: list[Resolved] = []
    for f in findings:
        if f.a in merged and f.b in merged:
            out.append(Resolved(f.a, f.b, "both branches are merged"))
        elif tips.get(f.a) is None or tips.get(f.b) is None:
            gone = f.a if tips.get(f.a) is None else f.b
            out.append(Resolved(f.a, f.b, f"branch {gone} no longer exists"))
        elif (f.a, f.b) in clean:
            out.append(Resolved(f.a, f.b, "the pair merges cleanly now"))
    return out


def rejudge(repo: Path | None, plan: Plan, store: Store) -> list[Resolved]:
    """Judge every open finding again and record each one that no longer holds."""
    from phasegate.conflicts import RESOLVED, open_findings

    findings = open_findings(store)
    if not findings:
        return []
    views = store.efforts()
    merged = {plan.repo.integration}
    merged |= {plan.branch_of(e) for e in plan.efforts if (v := views.get(e.id)) and v.merged}
    names = sorted({n for f in findings for n in (f.a, f.b)})
    tips: dict[str, str | None] = {n: "" for n in names}
    clean: set[tuple[str, str]] = set()
    if repo is not None:
        from phasegate.conflicts.actual import analyse
        from phasegate.git import diffs

        tips = dict(diffs.resolve(repo, names))
        live = {n: t for n, t in tips.items() if t}
        pairs = [(f.a, f.b) for f in findings if f.a in live and f.b in live]
        if pairs:
            bad = {(t.a, t.b) for t in analyse(repo, live, pairs).textual}
            clean = {p for p in pairs if p not in bad}
    found = verdicts(findings, merged, tips, clean)
    for r in found:
        store.append(RESOLVED, data={**r.to_json(), "source": "rejudged"})
    return found
