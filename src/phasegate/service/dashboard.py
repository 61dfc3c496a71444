"""The live view's questions: one effort or gate in full, attempts on a time line, metrics
over time, the dependency graph with states. JSON-ready values; the web layer draws them."""

from __future__ import annotations

import heapq
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.errors import InputError, UsageError
from phasegate.report.svg_common import even_sample
from phasegate.service.common import document, num
from phasegate.store.types import EffortView, Event
from phasegate.tracking.reports import effort_facts
from phasegate.tracking.session import Session

if TYPE_CHECKING:
    from phasegate.plan.model import Plan

LOG_TAIL_BYTES = 16_384
_ATTEMPT_KINDS = ["agent.spawned", "agent.exited", "effort.state"]


def attempts(s: Session, effort: str) -> list[dict[str, Any]]:
    """Each attempt of an effort: when its agent started and ended, how it ended, its log."""
    f = effort_facts(s.facts, effort)
    return _attempts_by_effort(s.store.events(effort=f.id, kinds=_ATTEMPT_KINDS)).get(f.id, [])


def _attempts_by_effort(events: list[Event]) -> dict[str, list[dict[str, Any]]]:
    """The attempts the agent and state events tell of, per effort, in attempt order."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for ev in events:
        if ev.attempt is None or ev.effort is None:
            continue
        row = out.setdefault(ev.effort, {}).setdefault(
            ev.attempt,
            {
                "attempt": ev.attempt,
                "started_at": None,
                "ended_at": None,
                "exit_code": None,
                "state": None,
                "reason": "",
                "log": None,
            },
        )
        if ev.kind == "agent.spawned":
            row["started_at"] = ev.ts
            row["log"] = ev.data.get("log")
        elif ev.kind == "agent.exited":
            row["ended_at"] = ev.ts
            row["exit_code"] = ev.data.get("exit_code", ev.data.get("code"))
        else:
            row["state"] = ev.data.get("to")
            row["reason"] = ev.data.get("reason", "")
            if row["started_at"] is None and ev.data.get("to") == "running":
                row["started_at"] = ev.ts  # a person's start: no agent, same time line
    return {e: [rows[k] for k in sorted(rows)] for e, rows in out.items()}


def log_tail(path: str | None, limit: int = LOG_TAIL_BYTES) -> str:
    """The end of an attempt's log, decoded leniently: agents print anything."""
    if not path:
        return ""
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            fh.seek(max(size - limit, 0))
            data = fh.read(limit)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text if size <= limit else "…" + text.split("\n", 1)[-1]


def effort_detail(s: Session, effort: str) -> dict[str, Any]:
    """Everything about one effort: plan facts, state, attempts and the latest log's tail,
    reports, blockers, check results, conflict findings and cost."""
    f = effort_facts(s.facts, effort)
    view = s.store.efforts([f.id]).get(f.id)
    tries = attempts(s, f.id)
    reports = [
        {"ts": e.ts, "attempt": e.attempt, **e.data}
        for e in s.store.events(effort=f.id, kinds=["report"])
    ]
    checks = [
        {"ts": e.ts, "attempt": e.attempt, **e.data}
        for e in s.store.events(effort=f.id, kinds=["check.result"])
    ]
    findings = [
        {"ts": e.ts, "kind": e.kind, **e.data}
        for e in s.store.events(kinds=["conflict.finding", "conflict.drift", "conflict.resolved"])
        if e.effort == f.id or f.id in _named(e)
    ]
    latest_log = next((a["log"] for a in reversed(tries) if a["log"]), None)
    return document(
        "effort",
        {
            "effort": {
                "id": f.id,
                "title": f.title,
                "phase": f.phase,
                "wave": f.wave,
                "size": num(f.size),
                "owner": f.owner,
                "branch": f.branch,
                "depends_on": f.depends_on,
                "files": f.files,
                "deliverables": f.deliverables,
                "checks": f.checks,
                "critical": f.critical,
            },
            "state": (view or EffortView(f.id)).to_json(),
            "attempts": tries,
            "log_tail": log_tail(latest_log),
            "reports": reports,
            "blockers": [b.to_json() for b in s.store.blockers() if b.effort == f.id],
            "checks": checks,
            "conflicts": findings,
            "notes": s.store.notes(f.id),
        },
    )


def _named(e: Event) -> set[str]:
    """Efforts a conflict event speaks of besides its own."""
    names = {str(e.data[k]) for k in ("a", "b", "other", "effort") if e.data.get(k)}
    for k in ("efforts", "pair"):
        if isinstance(e.data.get(k), list):
            names |= {str(x) for x in e.data[k]}
    return names


def gate_detail(s: Session, phase: str) -> dict[str, Any]:
    """A phase gate's record: its latest evaluation's evidence and requirement figures,
    every evaluation's verdict, overrides with their reasons, and the approvals given."""
    ph = next((p for p in s.facts.phases if p.id == phase), None)
    if ph is None:
        known = ", ".join(p.id for p in s.facts.phases) or "none"
        raise UsageError(f"unknown phase {phase!r} (phases: {known})")
    view = s.store.phases().get(ph.id)
    evaluations = [
        {"ts": e.ts, **e.data} for e in s.store.events(kinds=["gate.evaluated"]) if e.phase == ph.id
    ]
    overrides = [
        {"ts": e.ts, "reason": e.data.get("reason", ""), "by": e.data.get("by")}
        for e in s.store.events(kinds=["gate.override"])
        if e.phase == ph.id
    ]
    approvals = s.store.approvals()
    return document(
        "gate-detail",
        {
            "phase": {
                "id": ph.id,
                "title": ph.title,
                "state": view.state if view else "waiting",
                "reason": view.reason if view else "",
                "efforts": ph.efforts,
                "checks": ph.gate_checks,
                "require": ph.require,
                "approvals_required": ph.approvals,
                "sign_off": ph.sign_off,
            },
            "latest": evaluations[-1] if evaluations else None,
            "evaluations": [
                {"ts": e["ts"], "passed": e.get("passed"), "reasons": e.get("reasons", [])}
                for e in evaluations
            ],
            "overrides": overrides,
            "approvals": {e: sorted(approvals.get(e, set())) for e in ph.efforts},
        },
    )


def metric_series(s: Session, max_points: int | None = None) -> dict[str, Any]:
    """Each plan metric's recorded values over time, with its target; with `max_points`,
    an even sample of at most that many per metric, always ending at the latest value."""
    values = s.store.metric_values()
    out = []
    for m in s.facts.metrics:
        pts = values.get(m.id, [])
        if max_points is not None:
            pts = even_sample(pts, max_points)
        out.append(
            {
                "id": m.id,
                "title": m.title,
                "unit": m.unit,
                "target": m.target,
                "count": len(values.get(m.id, [])),
                "points": [{"ts": ts, "value": v, "effort": who} for ts, v, who in pts],
            }
        )
    return document("metric-series", {"metrics": out})


def graph(s: Session) -> dict[str, Any]:
    """The dependency graph with each effort's live state: waves, edges, critical path."""
    views = s.store.efforts()
    return document(
        "graph-live",
        {
            "waves": s.facts.waves,
            "externals": sorted(s.facts.externals),
            "edges": [[d, f.id] for f in s.facts.efforts for d in [*f.external, *f.depends_on]],
            "critical_path": s.facts.critical_path,
            "titles": {f.id: f.title for f in s.facts.efforts},
            "states": {k: v.state for k, v in views.items()},
        },
    )


def timeline(s: Session, plan: Plan, agents: int | None = None) -> dict[str, Any]:
    """The planned schedule for the plan's agents beside the attempts actually run.

    Attempts carry no slot number, so each is placed on the lowest-numbered slot free at
    its start: the rows then read as the agents that were busy at once."""
    from phasegate.schedule.planned import schedule

    m = agents or plan.agents.max
    if m < 1:
        raise InputError("agents must be at least 1")
    planned = schedule(plan, m)
    now = time.time()
    spans: list[tuple[float, float, str, int, str, bool]] = []
    views = s.store.efforts()
    # One read of the log for every effort's attempts, not one query per effort.
    every = _attempts_by_effort(s.store.events(kinds=_ATTEMPT_KINDS))
    for f in s.facts.efforts:
        for a in every.get(f.id, []):
            if a["started_at"] is None:
                continue
            end = a["ended_at"] if a["ended_at"] is not None else now
            state = a["state"] or (views[f.id].state if f.id in views else "running")
            spans.append((a["started_at"], end, f.id, a["attempt"], state, a["ended_at"] is None))
    spans.sort()
    free: list[int] = []
    busy: list[tuple[float, int]] = []
    rows = 0
    actual: list[dict[str, Any]] = []
    for start, end, effort, attempt, state, live in spans:
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            row = heapq.heappop(free)
        else:
            row, rows = rows, rows + 1
        heapq.heappush(busy, (end, row))
        actual.append(
            {"effort": effort, "attempt": attempt, "slot": row + 1, "start": start, "end": end,
             "state": state, "running": live}
        )  # fmt: skip
    t0 = spans[0][0] if spans else None
    return document(
        "timeline",
        {
            "agents": m,
            "units": plan.units,
            "planned": {
                "makespan": num(planned.makespan),
                "lower_bound": num(planned.lower_bound),
                "slots": [
                    {"effort": x.effort, "agent": x.agent, "start": num(x.start), "end": num(x.end)}
                    for x in planned.slots
                ],
            },
            "actual": {"started_at": t0, "now": now, "slots": max(rows, 1), "attempts": actual},
        },
    )


def open_question(s: Session, effort: str) -> dict[str, Any] | None:
    """The question an effort's agent asked and nobody has answered yet, if any."""
    from phasegate.tracking.questions import questions

    f = effort_facts(s.facts, effort)
    return next((q.to_json() for q in questions(s.store, f.id) if q.open), None)
