"""Contexts for the generated documents: plain data built from plan, facts and store state.

One function per document kind; templates only lay the data out. `DocInput` carries
everything read from the store, so these functions are pure and testable without I/O.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from phasegate.plan.model import Plan
from phasegate.states import ACTIVE, PHASE_CLOSED
from phasegate.store.types import Event
from phasegate.tracking.facts import PlanFacts
from phasegate.tracking.ready import ready
from phasegate.tracking.status import DAY, Snapshot, project

KINDS = ("status", "daily", "weekly", "handoff", "wave-plan")


@dataclass(frozen=True)
class DocInput:
    plan: Plan
    facts: PlanFacts
    snap: Snapshot
    events: list[Event]  # the log in the reporting window (daily, weekly)
    checks: list[Event]  # every check.result
    notes: dict[str, list[str]]
    window: float  # seconds the daily/weekly report looks back
    # phase -> criterion text -> its sign-off (phasegate.tracking.signoff.SignOff)
    signoffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    forecast: dict[str, Any] | None = None  # the re-forecast from actuals (service.forecast)
    process: dict[str, Any] | None = None  # process metrics (service.process)
    # (provider, contract) -> verified on integration (None: not yet, or rolled back)
    contracts: dict[tuple[str, str], bool | None] = field(default_factory=dict)


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ts))


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{int(x)}" if float(x).is_integer() else f"{x:.1f}"


def _days(start: float, end: float, rate: float | None) -> str | None:
    """Working days a span of size units covers, 1-based: "Day 2" or "Days 2-3"."""
    if not rate:
        return None
    first = math.floor(start / rate + 1e-9) + 1
    last = max(first, math.ceil(end / rate - 1e-9))
    return f"Day {first}" if first == last else f"Days {first}-{last}"


def _current_phase(d: DocInput) -> dict[str, Any] | None:
    for p in d.facts.phases:
        pv = d.snap.phases.get(p.id)
        if pv is None or pv.state not in PHASE_CLOSED:
            return {"id": p.id, "title": p.title, "state": pv.state if pv else "waiting"}
    return None


def _latest_checks(checks: list[Event], effort: str | None = None) -> dict[str, Event]:
    out: dict[str, Event] = {}
    for e in checks:
        if effort is not None and e.effort != effort:
            continue
        out[f"{e.effort or e.phase}:{e.data.get('name')}"] = e
    return out


def _common(d: DocInput) -> dict[str, Any]:
    st = project(d.facts, d.snap)
    start = d.snap.project_start
    week = int((d.snap.now - start) // (7 * DAY)) + 1 if start else 1
    return {
        "project": d.facts.project,
        "description": d.facts.description,
        "units": d.facts.units,
        "date": _date(d.snap.now),
        "week": week,
        "phase": _current_phase(d),
        "status": st,
        "fmt": _fmt,
    }


def status_doc(d: DocInput) -> dict[str, Any]:
    """Seed 002: workstreams with branch, owner, state, deliverables; metrics target/current."""
    ctx = _common(d)
    st = ctx["status"]
    by_id = {e["id"]: e for e in st["efforts"]}
    checks = _latest_checks(d.checks)
    workstreams = []
    for f in d.facts.efforts:
        e = by_id[f.id]
        done = set(e["tasks_done"])
        all_done = e["state"] == "done"
        tasks = [{"name": t, "done": all_done or t in done} for t in f.deliverables]
        mine = [c for k, c in checks.items() if k.startswith(f"{f.id}:")]
        workstreams.append(
            {
                **e,
                "branch": f.branch,
                "deliverables_list": tasks,
                "completed": sum(1 for t in tasks if t["done"]),
                "tests_passing": None if not mine else all(c.data.get("passed") for c in mine),
                "next": next((t["name"] for t in tasks if not t["done"]), None),
                "blocker_texts": [b["text"] for b in st["blockers"] if b["effort"] == f.id],
                "depends_on": f.depends_on + f.external,
            }
        )
    ctx["workstreams"] = workstreams
    ctx["criteria"] = [
        {"phase": p.id, "title": p.title, "require": p.require} for p in d.facts.phases
    ]
    return ctx


def _in_window(d: DocInput) -> tuple[list[Event], float]:
    since = d.snap.now - d.window
    return [e for e in d.events if e.ts >= since], since


def daily_doc(d: DocInput) -> dict[str, Any]:
    """Seed 003's daily status: completed, in progress, planned, blockers and risks, metrics."""
    ctx = _common(d)
    st = ctx["status"]
    events, since = _in_window(d)
    by_id = {e["id"]: e for e in st["efforts"]}
    completed = [
        by_id[e.effort]
        for e in events
        if e.kind == "effort.state" and e.data.get("to") == "done" and e.effort in by_id
    ]
    delivered: list[dict[str, str]] = []
    for e in events:
        if e.kind == "report" and e.effort in by_id:
            for t in e.data.get("tasks_done") or []:
                item = {"effort": str(e.effort), "task": str(t)}
                if item not in delivered:  # re-reported deliverables appear once
                    delivered.append(item)
    in_progress = [e for e in st["efforts"] if e["state"] in ACTIVE or e["state"] == "blocked"]
    planned = [
        {"id": f.id, "title": f.title, "depends_on": f.depends_on + f.external, "owner": f.owner}
        for f in ready(d.facts, d.snap.efforts, d.snap.phases)
    ]
    window_checks = [c for c in d.checks if c.ts >= since]
    latest = _latest_checks(window_checks or d.checks)
    passing = sum(1 for c in latest.values() if c.data.get("passed"))
    ctx.update(
        since=_date(since),
        completed=completed,
        delivered=delivered,
        in_progress=in_progress,
        planned=planned,
        risks=[r for r in d.facts.risks],
        tests={"passing": passing, "total": len(latest)},
    )
    return ctx


def weekly_doc(d: DocInput) -> dict[str, Any]:
    """Seed 003's weekly review: objectives met and missed, quality, next week, advice."""
    ctx = _common(d)
    st = ctx["status"]
    events, since = _in_window(d)
    by_id = {e["id"]: e for e in st["efforts"]}
    met_ids = [
        e.effort
        for e in events
        if e.kind == "effort.state" and e.data.get("to") == "done" and e.effort in by_id
    ]
    met = [by_id[i] for i in dict.fromkeys(met_ids)]
    elapsed = st["critical_path"]["elapsed"]
    missed = []
    for f in d.facts.efforts:
        e = by_id[f.id]
        due = f.earliest_start + f.size + f.slack  # latest finish that keeps the plan's end
        if e["state"] != "done" and elapsed is not None and elapsed > due:
            missed.append({**e, "due": due, "late_by": elapsed - due})
    in_week: dict[str, list[float]] = {}
    for e in events:
        if e.kind == "report":
            for k, v in (e.data.get("metrics") or {}).items():
                in_week.setdefault(k, []).append(float(v))
        if e.kind == "check.result" and e.data.get("metric") and e.data.get("value") is not None:
            in_week.setdefault(str(e.data["metric"]), []).append(float(e.data["value"]))
    quality = [
        {
            **m,
            "week_first": in_week.get(m["id"], [None])[0],
            "week_samples": len(in_week.get(m["id"], [])),
        }
        for m in st["metrics"]
    ]
    nxt = ready(d.facts, d.snap.efforts, d.snap.phases)
    critical_next = [
        e for e in st["efforts"] if e["critical"] and e["state"] not in ("done", "cancelled")
    ][:5]
    advice: list[str] = []
    for i in st["escalations"]["overdue"]:
        advice.append(f"Acknowledge overdue {i['severity']} {i['kind']} {i['id']}: {i['text']}")
    for m in st["metrics"]:
        if m["regression"]:
            advice.append(f"Investigate the regression of {m['id']} against its baseline")
        elif m["status"] == "missed":
            advice.append(f"Bring {m['id']} to its target ({m['target']})")
    cp = st["critical_path"]
    if cp["slippage"] is not None and cp["slippage"] > 0:
        advice.append(
            f"The critical path is projected {_fmt(cp['slippage_days'])} day(s) late: "
            f"add an agent to {', '.join(e['id'] for e in critical_next[:2]) or 'it'} or cut scope"
        )
    if st["totals"]["conflicts"]:
        advice.append("Resolve the recorded conflicts before the gate")
    ctx.update(
        since=_date(since),
        met=met,
        missed=missed,
        quality=quality,
        next_ready=[{"id": f.id, "title": f.title, "priority": f.priority} for f in nxt],
        in_flight=[e for e in st["efforts"] if e["state"] in ACTIVE or e["state"] == "blocked"],
        critical_next=critical_next,
        advice=advice,
    )
    return ctx


def handoff_doc(d: DocInput) -> dict[str, Any]:
    """Seeds 000/001: per phase, what the next phase needs, how it is validated, sign-off."""
    ctx = _common(d)
    st = ctx["status"]
    by_id = {e["id"]: e for e in st["efforts"]}
    checks = _latest_checks(d.checks)
    phases = []
    for i, p in enumerate(d.facts.phases):
        nxt = d.facts.phases[i + 1] if i + 1 < len(d.facts.phases) else None
        pst = st["phases"][i]
        gate_checks = []
        for label in p.gate_checks:
            name = label.split(" (")[0]
            ev = checks.get(f"{p.id}:{name}")
            gate_checks.append(
                {"name": label, "result": None if ev is None else bool(ev.data.get("passed"))}
            )
        efforts = [by_id[e] for e in p.efforts]
        approved: dict[str, bool] = {}
        for role in p.sign_off:
            owners = [e for e in efforts if role in e["reviewers"]] or efforts
            approved[role] = bool(owners) and all(role in e["approvals"] for e in owners)
        phases.append(
            {
                "id": p.id,
                "title": p.title,
                "next": nxt.title or nxt.id if nxt else None,
                "state": pst["state"],
                "gate": pst["gate"],
                "deliverables": p.deliverables,
                "efforts": [
                    {
                        **e,
                        "deliverables_list": d.facts.by_id[e["id"]].deliverables,
                        "interfaces": d.facts.by_id[e["id"]].interfaces,
                        "notes": d.notes.get(e["id"], []),
                    }
                    for e in efforts
                ],
                "entry": p.entry,
                "gate_checks": gate_checks,
                "require": p.require,
                "integration_points": p.integration_points,
                "sign_off": [{"role": r, "signed": approved[r]} for r in p.sign_off],
                "criteria": _criteria(p.criteria, d.signoffs.get(p.id, {})),
                "contracts": [
                    {
                        "name": c,
                        "provider": e,
                        "uses": _users(d.facts, c),
                        "verified": d.contracts.get((e, c)),
                    }
                    for e in p.efforts
                    for c in d.facts.by_id[e].provides
                ],
                "deliverables_done": pst["deliverables_done"],
                "deliverables_total": pst["deliverables_total"],
            }
        )
    ctx["phases"] = phases
    return ctx


def _users(facts: PlanFacts, contract: str) -> list[str]:
    return [e.id for e in facts.efforts if contract in e.uses]


def _criteria(criteria: list[str], signed: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for k, c in enumerate(criteria, 1):
        so = signed.get(c)
        out.append({
            "number": k, "text": c,
            "role": so.role if so else None, "by": so.by if so else None,
            "date": _date(so.ts) if so else None, "note": so.note if so else "",
        })  # fmt: skip
    return out


def wave_plan_doc(d: DocInput, mermaid: str, timeline: dict[str, Any]) -> dict[str, Any]:
    """Seed 004: graph, wave summary, agent assignments, timeline, risks, success metrics."""
    ctx = _common(d)
    f = d.facts
    rate = f.rate
    by_id = f.by_id
    plan_efforts = {e.id: e for e in d.plan.efforts}
    waves = []
    for k, ids in enumerate(f.waves, 1):
        members = [by_id[i] for i in ids]
        start = min(m.earliest_start for m in members)
        end = max(m.earliest_start + m.size for m in members)
        deps = sorted(
            {x for m in members for x in m.external}
            | {
                f"wave {by_id[dep].wave}"
                for m in members
                for dep in m.depends_on
                if by_id[dep].wave != k
            }
        )
        waves.append(
            {
                "wave": k,
                "efforts": [
                    {
                        "id": m.id,
                        "title": m.title,
                        "branch": m.branch,
                        "files": m.files,
                        "size": m.size,
                        "owner": m.owner,
                        "priority": m.priority,
                        "deliverables": m.deliverables,
                        "interfaces": m.interfaces,
                        "depends_on": m.depends_on + m.external,
                        "critical": m.critical,
                        "notes": plan_efforts[m.id].notes,
                    }
                    for m in members
                ],
                "parallel": len(members),
                "dependencies": deps,
                "critical": [m.id for m in members if m.critical],
                "start": start,
                "end": end,
                "days": _days(start, end, rate),
            }
        )
    total = sum(e.size for e in f.efforts)
    ctx.update(
        efforts_total=len(f.efforts),
        size_total=total,
        agents_max=f.agents_max,
        critical_path=f.critical_path,
        length=f.length,
        length_days=f.length / rate if rate else None,
        waves=waves,
        mermaid=mermaid,
        timeline=timeline,
        risks=f.risks,
        metrics=f.metrics,
        phases=f.phases,
    )
    return ctx
