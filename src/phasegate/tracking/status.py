"""Where everything stands: one pure projection of plan facts and store state.

`snapshot()` reads what it needs from the store in a handful of queries over projection
tables (never the whole event log); `project()` turns it into plain data that the terminal
view, the JSON output and the documents all share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from phasegate.conflicts import open_findings
from phasegate.states import PHASE_CLOSED
from phasegate.store.types import (
    BlockerView,
    EffortView,
    Event,
    MetricSummary,
    PhaseView,
    Store,
)
from phasegate.tracking import escalation, metrics
from phasegate.tracking.facts import PlanFacts
from phasegate.tracking.integrity import broken
from phasegate.tracking.placement import placements
from phasegate.tracking.ready import derived_state

DAY = 86400.0


@dataclass(frozen=True)
class Snapshot:
    now: float
    efforts: dict[str, EffortView]
    phases: dict[str, PhaseView]
    blockers: list[BlockerView]
    summaries: dict[str, MetricSummary]
    acks: dict[str, tuple[str | None, float]]
    approvals: dict[str, set[str]]
    project_start: float | None
    phase_opened: dict[str, float]
    conflicts: int
    notified: set[str]
    usage: list[Event] = field(default_factory=list)  # agent.usage, one per attempt
    budget_events: list[Event] = field(default_factory=list)  # raises and crossings
    gate_first: dict[str, float] = field(default_factory=dict)  # baseline of each metric
    integrity: str | None = None  # what is wrong with the integration branch, if anything
    placed: dict[str, tuple[int, str]] = field(default_factory=dict)  # remote attempts


def snapshot(store: Store, now: float) -> Snapshot:
    with store.consistent():
        opened: dict[str, float] = {}
        for ev in store.events(kinds=["phase.state"]):
            if ev.phase and ev.data.get("to") == "open" and ev.phase not in opened:
                opened[ev.phase] = ev.ts
        return Snapshot(
            now=now,
            efforts=store.efforts(),
            phases=store.phases(),
            blockers=store.blockers(),
            summaries=store.metric_summary(),
            acks=store.acks(),
            approvals=store.approvals(),
            project_start=store.first_event_time(),
            phase_opened=opened,
            # Findings fixed since are not conflicts any more: only the open ones count.
            conflicts=len(open_findings(store)),
            notified={str(e.data.get("item")) for e in store.events(kinds=[escalation.NOTIFIED])},
            usage=store.events(kinds=["agent.usage"]),
            budget_events=store.events(kinds=["budget.raised", "budget.exceeded"]),
            gate_first=store.gate_firsts(),
            integrity=broken(store),
            placed=placements(store),
        )


def progress_of(v: EffortView | None) -> float:
    if v is None:
        return 0.0
    return 100.0 if v.state == "done" else float(v.progress)


def effort_view(facts: PlanFacts, snap: Snapshot, eid: str) -> EffortView:
    return snap.efforts.get(eid) or EffortView(id=eid)


def projection(facts: PlanFacts, snap: Snapshot) -> dict[str, Any]:
    """Critical-path slippage: projected finish (elapsed plus the longest chain of remaining
    work) against the planned critical-path length. Agent limits are not modelled here."""
    finish: dict[str, float] = {}
    for f in facts.efforts:
        v = snap.efforts.get(f.id)
        left = (
            0.0 if v and v.state in ("done", "cancelled") else f.size * (1 - progress_of(v) / 100)
        )
        start = max((finish.get(d, 0.0) for d in f.depends_on), default=0.0)
        finish[f.id] = start + left
    remaining = max(finish.values(), default=0.0)
    out: dict[str, Any] = {
        "planned": facts.length,
        "remaining": remaining,
        "units": facts.units,
        "elapsed": None,
        "projected": None,
        "slippage": None,
        "slippage_days": None,
    }
    if facts.rate and snap.project_start is not None:
        elapsed = max(0.0, snap.now - snap.project_start) / DAY * facts.rate
        projected = elapsed + remaining
        if remaining <= 0:
            # Finished: there is nothing left to slip; an early finish is not "-3300 lines".
            out.update(elapsed=elapsed, projected=projected)
            return out
        out.update(
            elapsed=elapsed,
            projected=projected,
            slippage=projected - facts.length,
            slippage_days=(projected - facts.length) / facts.rate,
        )
    return out


def money(facts: PlanFacts, snap: Snapshot) -> tuple[Any, dict[str, Any], list[Any]]:
    """Costs per attempt, effort, phase and plan; budget standings; budget escalations."""
    from phasegate.service import budget, costs

    spent = costs.summarise(((f.id, f.phase) for f in facts.efforts), snap.efforts, snap.usage)
    lims = [budget.Limit.from_json(d) for d in facts.budgets]
    raised = budget.raises(e for e in snap.budget_events if e.kind == budget.RAISED)
    crossed = {e.key: e.ts for e in snap.budget_events if e.kind == budget.EXCEEDED}
    stands = budget.standings(lims, budget.costs_of(snap.efforts), raised)
    rep = {"limits": [{**s.to_json(), "crossed_at": crossed.get(s.key)} for s in stands],
           "held": budget.held(stands)}  # fmt: skip
    return spent, rep, budget.escalation_items(rep, lims)


def _where(snap: Snapshot, effort: str, v: EffortView) -> str | None:
    """Where a remote executor runs the effort's current attempt; None on this machine."""
    found = snap.placed.get(effort)
    if found is None or found[0] != v.attempt or v.state not in ("running", "checking"):
        return None
    return found[1]


def project(
    facts: PlanFacts, snap: Snapshot, baselines: dict[str, float] | None = None
) -> dict[str, Any]:
    from phasegate.service import costs

    spent, budgets, budget_items = money(facts, snap)
    cost_of = {e["id"]: e for e in spent.efforts}
    phase_cost = {p["id"]: p["cost"] for p in spent.phases}
    efforts_out: list[dict[str, Any]] = []
    by_state: dict[str, int] = {}
    for f in facts.efforts:
        v = effort_view(facts, snap, f.id)
        state, reason = derived_state(f, facts, snap.efforts, snap.phases)
        by_state[state] = by_state.get(state, 0) + 1
        efforts_out.append(
            {
                "id": f.id,
                "title": f.title,
                "wave": f.wave,
                "phase": f.phase,
                "state": state,
                "attempt": v.attempt,
                "progress": progress_of(v),
                "owner": f.owner,
                "priority": f.priority,
                "blockers": v.blockers_open,
                "slack": f.slack,
                "critical": f.critical,
                "merged": v.merged,
                "tasks_done": list(v.tasks_done),
                "deliverables": len(f.deliverables),
                "approvals": sorted(snap.approvals.get(f.id, set())),
                "reviewers": list(f.reviewers),
                "reason": reason,
                "cost": cost_of[f.id]["cost"],
                "tokens": v.tokens,
                "attempts_cost": cost_of[f.id]["attempts"],
                "reported_cost": cost_of[f.id]["reported"],
                "held": budgets["held"].get(f.id, ""),
                "worker": _where(snap, f.id, v),
            }
        )
    phases_out: list[dict[str, Any]] = []
    for p in facts.phases:
        pv = snap.phases.get(p.id) or PhaseView(id=p.id)
        members = [snap.efforts.get(e) for e in p.efforts]
        done = sum(1 for v in members if v is not None and v.state == "done")
        total_deliv = sum(len(facts.by_id[e].deliverables) for e in p.efforts)
        done_deliv = 0
        for e in p.efforts:
            n = len(facts.by_id[e].deliverables)
            ev = snap.efforts.get(e)
            if ev is not None:
                done_deliv += n if ev.state == "done" else min(len(ev.tasks_done), n)
        phases_out.append(
            {
                "id": p.id,
                "title": p.title,
                "state": pv.state,
                "reason": pv.reason,
                "gate": {"passed": pv.gate_passed, "reasons": pv.gate_reasons, "at": pv.gate_at},
                "closed": pv.state in PHASE_CLOSED,
                "efforts": len(p.efforts),
                "done": done,
                "deliverables_done": done_deliv,
                "deliverables_total": total_deliv,
                "approvals_required": list(p.approvals),
                "cost": phase_cost.get(p.id, 0.0),
            }
        )
    items = escalation.live_items(
        facts, snap.blockers, snap.efforts, snap.acks, snap.project_start, snap.phase_opened
    )
    items += budget_items
    overdue = escalation.overdue_items(items, snap.now)
    judged = metrics.judge_all(facts.metrics, snap.summaries, baselines, snap.gate_first)
    total = len(facts.efforts)
    overall = sum(e["progress"] * fe.size for e, fe in zip(efforts_out, facts.efforts, strict=True))
    weight = sum(f.size for f in facts.efforts) or 1.0
    return {
        "project": facts.project,
        "now": snap.now,
        "units": facts.units,
        "totals": {
            "efforts": total,
            "by_state": by_state,
            "progress": overall / weight,
            "conflicts": snap.conflicts,
            "open_blockers": sum(1 for b in snap.blockers if b.open),
            "critical_blockers": sum(
                1 for b in snap.blockers if b.open and b.severity == "critical"
            ),
            "cost": costs.usd(spent.total),
            "tokens": spent.tokens,
        },
        "budget": budgets,
        "integrity": snap.integrity,
        "phases": phases_out,
        "waves": [{"wave": k, "efforts": ids} for k, ids in enumerate(facts.waves, 1)],
        "efforts": efforts_out,
        "critical_path": {"efforts": facts.critical_path, **projection(facts, snap)},
        "metrics": [j.to_json() for j in judged],
        "blockers": [b.to_json() for b in snap.blockers if b.open],
        "escalations": {
            "overdue": [i.to_json(snap.now) for i in overdue],
            "notified": sorted(snap.notified),
            "watching": len(items),
        },
    }
