"""Everything `phasegate conflicts` shows, gathered from the plan, the store and git."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.conflicts.actual import Actual, Overlap, Pair, Textual, all_pairs, analyse
from phasegate.conflicts.ancestry import Ancestry
from phasegate.conflicts.predict import Predicted, predicted
from phasegate.conflicts.scope import Drift, drift
from phasegate.git import diffs

if TYPE_CHECKING:
    from phasegate.plan.model import Plan
    from phasegate.plangraph import PlanGraph
    from phasegate.store import EffortView

LIVE_STATES = frozenset({"running", "checking"})


@dataclass
class Report:
    branches: dict[str, str] = field(default_factory=dict)
    pairs: int = 0
    merged: int = 0
    textual: list[Textual] = field(default_factory=list)
    overlap: list[Overlap] = field(default_factory=list)
    predicted: list[Predicted] = field(default_factory=list)
    scope: list[Drift] = field(default_factory=list)
    # recorded by the run before a merge: {contract, branch, effort, why}
    contract_breaks: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "branches": sorted(self.branches),
            "pairs": self.pairs,
            "trial_merges": self.merged,
            "textual": [t.to_json() for t in self.textual],
            "overlap": [o.to_json() for o in self.overlap],
            "predicted": [p.to_json() for p in self.predicted],
            "scope": [s.to_json() for s in self.scope],
            "contract_breaks": list(self.contract_breaks),
        }


def for_branches(repo: Path, patterns: Sequence[str], plan: Plan | None = None) -> Report:
    """Every pair of local branches matching the patterns; with a plan, also its predictions
    and the scope drift of the effort branches among them."""
    tips = diffs.branches(repo, patterns)
    report = _actual(repo, tips, all_pairs(tips))
    if plan is not None:
        report.predicted = predicted(plan)
        on = {plan.branch_of(e) for e in plan.efforts} & set(tips)
        report.scope = scope_drift(repo, plan, on)
    return report


def live_branches(repo: Path, plan: Plan, views: dict[str, EffortView] | None) -> dict[str, str]:
    """Effort branches that may still change or merge: name -> commit.

    Live: running or checking, or done but not merged. Without recorded state, every effort
    branch that exists and is not yet contained in the integration branch counts as live.
    """
    names = [plan.branch_of(e) for e in plan.efforts]
    integration = plan.repo.integration
    found = diffs.resolve(repo, [*names, integration])
    into = found.get(integration)
    live: dict[str, str] = {}
    for e, name in zip(plan.efforts, names, strict=True):
        tip = found.get(name)
        if tip is None:
            continue
        if views is not None:
            v = views.get(e.id)
            if v is None or not (v.state in LIVE_STATES or (v.state == "done" and not v.merged)):
                continue
        elif into is not None and diffs.is_ancestor(repo, tip, into):
            continue
        live[name] = tip
    return live


def for_plan(repo: Path, plan: Plan, views: dict[str, EffortView] | None) -> Report:
    """Live effort branches (see `live_branches`) pairwise, and each against the
    integration branch; plus the plan's predictions and the live efforts' scope drift."""
    live = live_branches(repo, plan, views)
    integration = plan.repo.integration
    into = diffs.resolve(repo, [integration]).get(integration)
    pairs = all_pairs(live)
    tips = dict(live)
    if into is not None:
        tips[integration] = into
        pairs += [(name, integration) for name in sorted(live)]
    report = _actual(repo, tips, pairs)
    report.predicted = predicted(plan)
    report.scope = scope_drift(repo, plan, set(live))
    return report


def _actual(repo: Path, tips: dict[str, str], pairs: list[Pair]) -> Report:
    result: Actual = analyse(repo, tips, pairs)
    return Report(
        branches=result.branches,
        pairs=result.pairs,
        merged=result.merged,
        textual=result.textual,
        overlap=result.overlap,
    )


def scope_drift(repo: Path, plan: Plan, branches: set[str]) -> list[Drift]:
    """Scope drift of the efforts whose branches are in `branches`: their own changes since
    they left the base, less what their dependencies' branches brought in."""
    from phasegate.plangraph import PlanGraph

    base = plan.repo.base
    by_branch = {plan.branch_of(e): e for e in plan.efforts}
    subjects = [by_branch[b] for b in sorted(branches) if b in by_branch and by_branch[b].files]
    if not subjects:
        return []
    g = PlanGraph.of(plan)
    involved: set[str] = set()
    for e in subjects:
        involved.add(e.id)
        involved.update(d for d in _ancestors(g, e.id) if d in g.index)
    efforts = {e.id: e for e in plan.efforts}
    refs = [plan.branch_of(efforts[i]) for i in sorted(involved)]
    tips = diffs.resolve(repo, [*refs, base])
    base_tip = tips.get(base)
    present = {i: t for i in sorted(involved) if (t := tips.get(plan.branch_of(efforts[i])))}
    # Where each branch left the base, from one walk of the graph rather than one
    # `git merge-base` per branch: the run records drift at every merge, and a deep stack
    # has many ancestors.
    forks: dict[str, tuple[str, ...]] = {}
    if base_tip and present:
        commits = sorted({base_tip, *present.values()})
        anc = Ancestry(diffs.history(repo, commits, diffs.octopus_bases(repo, commits)))
        forks = {t: anc.merge_bases(base_tip, t) for t in present.values() if t in anc}
    comparisons: list[tuple[str | None, str]] = []
    owner: list[str] = []
    for i, tip in present.items():
        fork = forks.get(tip, ())
        comparisons.append((fork[0] if fork else None, tip))
        owner.append(i)
    changes = dict(zip(owner, diffs.changed_many(repo, comparisons), strict=True))
    out: list[Drift] = []
    for e in subjects:
        if e.id not in changes:
            continue
        inherited: set[str] = set()
        for d in _ancestors(g, e.id):
            inherited.update(changes.get(d, {}))
        d_ = drift(e.id, plan.branch_of(e), e.files, changes[e.id], inherited)
        if d_ is not None:
            out.append(d_)
    return out


def _ancestors(g: PlanGraph, effort: str) -> list[str]:
    return [n.id for n in g.nodes if n.id != effort and g.depends_transitively(effort, n.id)]
