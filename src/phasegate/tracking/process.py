"""Process metrics, seed 001's "Cross-Phase Metrics": how the way of working performs.

Pure over the event log and the effort views: handoff lead time (phase open -> gate passed),
first-time gate pass rate, rework rate (rollbacks, retries), conflict rate, agent success
rate, cost per effort and per size unit, and estimate accuracy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median
from typing import Any

from phasegate.schedule.forecast import WORKDAY_SECONDS
from phasegate.store.types import EffortView, Event
from phasegate.tracking.facts import PlanFacts

KINDS = ["phase.state", "effort.state", "effort.unmerged", "conflict.finding"]
_ENDS = {"done", "failed", "rejected", "conflicted"}  # how an attempt ends


def _rate(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def process_metrics(
    facts: PlanFacts,
    events: Sequence[Event],  # of KINDS, in log order
    views: Mapping[str, EffortView],
    ratios: Sequence[float],
) -> dict[str, Any]:
    opened: dict[str, float] = {}
    passed: dict[str, float] = {}
    verdicts: dict[str, list[str]] = {}
    ends: dict[tuple[str, int], str] = {}
    started: set[str] = set()
    reworked: set[str] = set()
    conflicted: set[str] = set()
    for ev in events:
        to = str(ev.data.get("to", ""))
        if ev.kind == "phase.state" and ev.phase:
            if to == "open":
                opened.setdefault(ev.phase, ev.ts)
            elif to in ("passed", "failed", "overridden"):
                verdicts.setdefault(ev.phase, []).append(to)
                if to == "passed":
                    passed.setdefault(ev.phase, ev.ts)
        elif ev.kind == "effort.state" and ev.effort:
            if to == "running":
                started.add(ev.effort)
                if (ev.attempt or 1) > 1:
                    reworked.add(ev.effort)
            if to in _ENDS:
                ends[(ev.effort, ev.attempt or 0)] = to
            if to == "conflicted":
                conflicted.add(ev.effort)
            if to == "rework":
                reworked.add(ev.effort)
        elif ev.kind == "effort.unmerged" and ev.effort:
            reworked.add(ev.effort)
        elif ev.kind == "conflict.finding" and ev.effort:
            conflicted.add(ev.effort)
    lead = {p: passed[p] - opened[p] for p in passed if p in opened}
    lead_days = {p: round(s / WORKDAY_SECONDS, 3) for p, s in lead.items()}
    judged = [v for v in verdicts.values() if v]
    first_pass = sum(1 for v in judged if v[0] == "passed")
    attempts = list(ends.values())
    done = [facts.by_id[k] for k, v in views.items() if v.state == "done" and k in facts.by_id]
    cost = sum(v.cost for v in views.values())
    done_size = sum(e.size for e in done)
    usable = [r for r in ratios if r > 0]
    return {
        "handoff_lead_time_days": lead_days,
        "handoff_lead_time_median_days": round(median(lead_days.values()), 3)
        if lead_days
        else None,
        "phases_judged": len(judged),
        "first_time_gate_pass_rate": _rate(first_pass, len(judged)),
        "efforts_started": len(started),
        "rework_rate": _rate(len(reworked & started), len(started)),
        "reworked": sorted(reworked & started),
        "conflict_rate": _rate(len(conflicted & started), len(started)),
        "conflicted": sorted(conflicted & started),
        "attempts": len(attempts),
        "agent_success_rate": _rate(sum(1 for a in attempts if a == "done"), len(attempts)),
        "cost": round(cost, 6),
        "cost_per_effort": None if not done else round(cost / len(done), 6),
        "cost_per_unit": None if done_size <= 0 else round(cost / done_size, 6),
        "units": facts.units,
        "estimate_ratio": round(median(usable), 4) if usable else None,
        # median relative error of the estimates: 0.25 means a typical effort was 25% off
        "estimate_error": round(median(abs(r - 1) for r in usable), 4) if usable else None,
        "estimates_observed": len(usable),
    }


def lines(pm: dict[str, Any]) -> list[str]:
    """Plain lines for the terminal and the weekly document."""

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}%"

    lead = pm["handoff_lead_time_days"]
    shown = ", ".join(f"{p} {d:g}" for p, d in lead.items()) or "no gate passed yet"
    out = [
        f"Handoff lead time (phase open -> gate passed, working days): {shown}",
        f"First-time gate pass rate: {pct(pm['first_time_gate_pass_rate'])} of {pm['phases_judged']} phase(s) judged",
        f"Rework rate (rollbacks, retries): {pct(pm['rework_rate'])} of {pm['efforts_started']} effort(s) started",
        f"Conflict rate: {pct(pm['conflict_rate'])} of efforts started",
        f"Agent success rate: {pct(pm['agent_success_rate'])} of {pm['attempts']} attempt(s)",
    ]
    if pm["cost_per_effort"] is not None:
        per_unit = pm["cost_per_unit"]
        out.append(
            f"Cost: ${pm['cost']:.2f} in all, ${pm['cost_per_effort']:.2f} per finished effort"
            + ("" if per_unit is None else f", ${per_unit:.2f} per {pm['units'].rstrip('s')}")
        )
    if pm["estimate_ratio"] is not None:
        out.append(
            f"Estimate accuracy: actual/estimate x{pm['estimate_ratio']:.2f}, typical error "
            f"{pct(pm['estimate_error'])} over {pm['estimates_observed']} effort(s)"
        )
    else:
        out.append("Estimate accuracy: no finished effort to compare yet")
    return out
