"""Read-only questions about a plan and its store: status, ready work, the event log, and
what a dependent effort inherits (handoff notes)."""

from __future__ import annotations

import time
from typing import Any

from phasegate.errors import InputError, UnknownId
from phasegate.service.common import document, num
from phasegate.store.types import Event
from phasegate.tracking.reports import effort_facts, number
from phasegate.tracking.session import Session


def baselines(items: list[str]) -> dict[str, float]:
    """`KEY=VALUE` regression baselines for metrics."""
    out: dict[str, float] = {}
    for item in items:
        k, _, v = item.partition("=")
        out[k.strip()] = number(v, f"baseline {k.strip()}")
    return out


def status(
    s: Session,
    *,
    baselines: dict[str, float] | None = None,
    notify: bool = False,
    now: float | None = None,
) -> dict[str, Any]:
    """Where everything stands. With `notify`, the escalation command runs for items that
    became overdue (once each), and the document lists them."""
    from phasegate.tracking import escalation
    from phasegate.tracking.status import project, snapshot

    given = baselines or {}
    unknown = [k for k in given if s.facts.metric(k) is None]
    if unknown:
        raise InputError(f"unknown metric {unknown[0]!r} in --baseline")
    at = time.time() if now is None else now
    snap = snapshot(s.store, at)
    st = project(s.facts, snap, given)
    _add_questions(st, s, at)
    from phasegate.tracking.pause import pause_state

    st["pause"] = pause_state(s.store).to_json()
    from phasegate.service.forecast import status_forecast
    from phasegate.service.replan import latest as latest_revision

    st["forecast"] = status_forecast(s.facts, s.store, at, snap.efforts)
    st["revision"] = latest_revision(s.store)
    if notify:
        items = escalation.live_items(
            s.facts, snap.blockers, snap.efforts, snap.acks, snap.project_start, snap.phase_opened
        )
        sent = escalation.notify_overdue(s.store, s.facts, items, at, cwd=str(s.plan_path.parent))
        st["escalations"]["notified"] = sorted(set(st["escalations"]["notified"]) | set(sent))
    return document("status", st)


def _add_questions(st: dict[str, Any], s: Session, now: float) -> None:
    """Each effort's open question (it is `waiting for input`) and time spent waiting."""
    from phasegate.tracking.questions import waiting

    asked = waiting(s.store, now)
    for row in st["efforts"]:
        q = asked.get(row["id"])
        row["waiting_for_input"] = q["open"] if q else None
        row["input_wait"] = q["waited"] if q else 0.0
    st["totals"]["waiting_for_input"] = sum(1 for q in asked.values() if q["open"])


def ready(s: Session) -> dict[str, Any]:
    """Efforts that can start now, in dispatch order, and those still waiting (on what)."""
    from phasegate.tracking import ready as r

    efforts = s.store.efforts()
    phases = s.store.phases()
    found, waits = r.standing(s.facts, efforts, phases)
    rows = [
        {
            "id": f.id,
            "title": f.title,
            "priority": f.priority,
            "remaining_path": num(f.remaining),
            "state": efforts[f.id].state if f.id in efforts else "pending",
            "owner": f.owner,
            "phase": f.phase,
            "critical": f.critical,
        }
        for f in found
    ]
    return document(
        "ready", {"ready": rows, "waiting": [{"id": w.effort, "on": w.on} for w in waits]}
    )


def events(
    s: Session,
    *,
    effort: str | None = None,
    kinds: list[str] | None = None,
    last: int | None = None,
) -> list[Event]:
    """The event history, oldest first: of one effort, of some kinds, the last N."""
    if effort is not None and s.facts.effort(effort) is None:
        raise UnknownId(f"unknown effort {effort!r} in plan {s.facts.project}")
    found = s.store.events(effort=effort, kinds=kinds or None)
    if last is not None:
        found = found[-last:] if last > 0 else []
    return found


def log(
    s: Session,
    *,
    effort: str | None = None,
    kinds: list[str] | None = None,
    last: int | None = None,
) -> dict[str, Any]:
    found = events(s, effort=effort, kinds=kinds, last=last)
    return document("log", {"events": [e.to_json() for e in found]})


def handoff_notes(s: Session, effort: str) -> dict[str, Any]:
    """What the efforts this one depends on passed on: their state and handoff notes."""
    f = effort_facts(s.facts, effort)
    views = s.store.efforts(f.depends_on)
    deps = []
    for d in f.depends_on:
        dep = s.facts.by_id[d]
        v = views.get(d)
        deps.append(
            {
                "effort": d,
                "title": dep.title,
                "branch": dep.branch,
                "state": v.state if v else "pending",
                "notes": s.store.notes(d),
            }
        )
    return document("handoff", {"effort": f.id, "dependencies": deps})
