"""How each kind of event changes the projection tables.

Called inside the transaction that appends the event, and again by `rebuild()` when the
projections are replayed from the log, so both paths share one definition. Unknown kinds
are stored in the log and change nothing here. Every backend runs these same statements:
they are written in the SQL that SQLite and PostgreSQL share, with `?` placeholders (the
PostgreSQL store translates them), so the projections cannot drift apart between backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeGuard

from phasegate.states import FINISHED
from phasegate.store.types import Event, Executor

Cursor = Executor
Handler = Callable[[Cursor, Event], None]


def _ensure_effort(c: Cursor, effort: str) -> None:
    c.execute("INSERT INTO efforts(id) VALUES (?) ON CONFLICT DO NOTHING", (effort,))


def _set_effort(c: Cursor, effort: str, values: dict[str, Any]) -> None:
    """Set columns of the effort's row, creating it (with the other columns' defaults) if
    this is its first event: one statement either way."""
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    sets = ", ".join(f"{k} = excluded.{k}" for k in values)
    c.execute(
        f"INSERT INTO efforts(id, {cols}) VALUES (?, {marks}) ON CONFLICT(id) DO UPDATE SET {sets}",
        (effort, *values.values()),
    )


def _ensure_phase(c: Cursor, phase: str) -> None:
    c.execute("INSERT INTO phases(id) VALUES (?) ON CONFLICT DO NOTHING", (phase,))


def _effort_state(c: Cursor, ev: Event) -> None:
    assert ev.effort is not None
    to = str(ev.data.get("to", ""))
    values: dict[str, Any] = {
        "state": to,
        "reason": str(ev.data.get("reason", "")),
        "updated_at": ev.ts,
    }
    if ev.attempt is not None:
        values["attempt"] = ev.attempt
    if to == "running":
        # A new attempt: its clock starts now and the previous agent's process is gone.
        values.update(started_at=ev.ts, finished_at=None, exit_code=None)
    elif to in FINISHED:
        values["finished_at"] = ev.ts
    if to == "rework":
        # Its work was taken back (rolled back, or to be redone after a conflict or a
        # rejection): what it reported before no longer describes what is delivered, so
        # progress and deliverables start again from its next report. The reports stay
        # in the log; cost and tokens, already spent, stay in the totals.
        values.update(progress=0.0, tasks_done="[]")
    _set_effort(c, ev.effort, values)
    if to == "done":
        # What stood in the way of the work is no longer in the way once it is done.
        c.execute(
            "UPDATE blockers SET resolved_at = ?, resolved_by = ? "
            "WHERE effort = ? AND resolved_at IS NULL",
            (ev.ts, DONE_RESOLVES, ev.effort),
        )


DONE_RESOLVES = "effort done"  # `resolved_by` of blockers closed by their effort's done


def _spawned(c: Cursor, ev: Event) -> None:
    assert ev.effort is not None
    _set_effort(
        c, ev.effort,
        {"pid": ev.data.get("pid"), "pid_start": ev.data.get("pid_start"), "updated_at": ev.ts},
    )  # fmt: skip


def _exited(c: Cursor, ev: Event) -> None:
    assert ev.effort is not None
    code = ev.data.get("exit_code")
    _set_effort(
        c, ev.effort,
        {"pid": None, "pid_start": None, "exit_code": code if isinstance(code, int) else None,
         "updated_at": ev.ts},
    )  # fmt: skip


def _merged(c: Cursor, ev: Event) -> None:
    assert ev.effort is not None
    _set_effort(
        c, ev.effort, {"merged": 1, "merged_commit": ev.data.get("commit"), "updated_at": ev.ts}
    )


def _unmerged(c: Cursor, ev: Event) -> None:
    assert ev.effort is not None
    _set_effort(c, ev.effort, {"merged": 0, "merged_commit": None, "updated_at": ev.ts})


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _metric(c: Cursor, ev: Event, metric: str, value: Any) -> None:
    if not _number(value):
        return
    v = float(value)
    c.execute(
        "INSERT INTO metric_values(seq, metric, ts, value, effort) VALUES (?, ?, ?, ?, ?)",
        (ev.seq, metric, ev.ts, v, ev.effort),
    )
    c.execute(
        "INSERT INTO metric_stats(metric, count, first_value, first_ts, last_seq, last_value, "
        "last_ts, last_effort) VALUES (?, 1, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(metric) DO UPDATE SET count = metric_stats.count + 1, "
        "last_seq = excluded.last_seq, "
        "last_value = excluded.last_value, last_ts = excluded.last_ts, "
        "last_effort = excluded.last_effort",
        (metric, v, ev.ts, ev.seq, v, ev.ts, ev.effort),
    )


def _open_blocker(c: Cursor, ev: Event, item: dict[str, Any], effort: str | None) -> None:
    text = str(item.get("text", ""))
    # The same blocker reported again (by a retry of the same agent, say) while it is still
    # open is the one already open, not a second one to acknowledge and resolve.
    # Spelled out for NULL: `effort IS ?` is SQLite's, PostgreSQL does not take it.
    if effort is None:
        same = c.execute(
            "SELECT 1 FROM blockers WHERE effort IS NULL AND text = ? AND resolved_at IS NULL",
            (text,),
        ).fetchone()
    else:
        same = c.execute(
            "SELECT 1 FROM blockers WHERE effort = ? AND text = ? AND resolved_at IS NULL",
            (effort, text),
        ).fetchone()
    if same:
        return
    # Ids follow the row number, so replaying the log gives every blocker the same id again.
    num = int(c.execute("SELECT COALESCE(MAX(num), 0) + 1 FROM blockers").fetchone()[0])
    c.execute(
        "INSERT INTO blockers(num, id, effort, text, severity, opened_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            num,
            f"B{num}",
            effort,
            text,
            str(item.get("severity", "medium")),
            ev.ts,
        ),
    )


def report_amounts(data: dict[str, Any]) -> tuple[float, int]:
    """The cost and tokens a report adds to its effort's totals."""
    return float(data.get("cost") or 0), int(data.get("tokens") or 0)


def _report(c: Cursor, ev: Event) -> None:
    assert ev.effort is not None
    _ensure_effort(c, ev.effort)
    d = ev.data
    row = c.execute(
        "SELECT tasks_done, progress FROM efforts WHERE id = ?", (ev.effort,)
    ).fetchone()
    tasks: list[str] = json.loads(row[0])
    for t in d.get("tasks_done") or []:
        if t not in tasks:
            tasks.append(str(t))
    progress = float(row[1])
    if isinstance(d.get("progress"), int | float):
        progress = float(d["progress"])
    total = d.get("deliverables_total")
    if isinstance(total, int) and total > 0 and d.get("progress") is None:
        # Without an explicit figure, progress follows the share of deliverables done.
        progress = max(progress, min(100.0, 100.0 * len(tasks) / total))
    cost, tokens = report_amounts(d)
    c.execute(
        "UPDATE efforts SET tasks_done = ?, progress = ?, cost = cost + ?, tokens = tokens + ?, "
        "reports = reports + 1, last_report_at = ?, updated_at = ? WHERE id = ?",
        (json.dumps(tasks), progress, cost, tokens, ev.ts, ev.ts, ev.effort),
    )
    for k, v in (d.get("metrics") or {}).items():
        _metric(c, ev, str(k), v)
    for b in d.get("blockers") or []:
        _open_blocker(c, ev, b, ev.effort)
    if d.get("note"):
        c.execute(
            "INSERT INTO notes(seq, effort, text) VALUES (?, ?, ?)",
            (ev.seq, ev.effort, str(d["note"])),
        )


def _usage(c: Cursor, ev: Event) -> None:
    """What an agent's own output says it spent counts in its effort's totals, as reports do."""
    assert ev.effort is not None
    cost, tokens = report_amounts(ev.data)
    _ensure_effort(c, ev.effort)
    c.execute(
        "UPDATE efforts SET cost = cost + ?, tokens = tokens + ?, updated_at = ? WHERE id = ?",
        (cost, tokens, ev.ts, ev.effort),
    )


def _check_result(c: Cursor, ev: Event) -> None:
    metric = ev.data.get("metric")
    if not metric:
        return
    value = ev.data.get("value")
    _metric(c, ev, str(metric), value)
    # A metric's baseline when the plan gives none: its value at the first gate that measured it.
    if ev.data.get("scope") == "gate" and _number(value):
        c.execute(
            "INSERT INTO gate_firsts(metric, seq, value) VALUES (?, ?, ?) "
            "ON CONFLICT(metric) DO NOTHING",
            (str(metric), ev.seq, float(value)),
        )


def _phase_state(c: Cursor, ev: Event) -> None:
    assert ev.phase is not None
    _ensure_phase(c, ev.phase)
    c.execute(
        "UPDATE phases SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
        (str(ev.data.get("to", "")), str(ev.data.get("reason", "")), ev.ts, ev.phase),
    )


def _gate_evaluated(c: Cursor, ev: Event) -> None:
    if ev.phase is None:
        return
    _ensure_phase(c, ev.phase)
    reasons = [str(r) for r in ev.data.get("reasons") or []]
    c.execute(
        "UPDATE phases SET gate_passed = ?, gate_reasons = ?, gate_at = ? WHERE id = ?",
        (1 if ev.data.get("passed") else 0, json.dumps(reasons), ev.ts, ev.phase),
    )


def _gate_override(c: Cursor, ev: Event) -> None:
    if ev.phase is None:
        return
    _ensure_phase(c, ev.phase)
    c.execute(
        "UPDATE phases SET reason = ?, gate_at = ? WHERE id = ?",
        (str(ev.data.get("reason", "")), ev.ts, ev.phase),
    )


def _approval(c: Cursor, ev: Event) -> None:
    if ev.effort is None:
        return
    c.execute(
        "INSERT INTO approvals(effort, role, by, ts) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(effort, role) DO UPDATE SET by = excluded.by, ts = excluded.ts",
        (ev.effort, str(ev.data.get("role", "")), str(ev.data.get("by", "")), ev.ts),
    )


def _blocker_opened(c: Cursor, ev: Event) -> None:
    _open_blocker(c, ev, ev.data, ev.effort)


def _blocker_ack(c: Cursor, ev: Event) -> None:
    item = str(ev.data.get("id", ""))
    c.execute(
        "INSERT INTO acks(item, by, ts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (item, ev.data.get("by"), ev.ts),
    )


def _blocker_resolved(c: Cursor, ev: Event) -> None:
    c.execute(
        "UPDATE blockers SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL",
        (ev.ts, ev.data.get("by"), str(ev.data.get("id", ""))),
    )


HANDLERS: dict[str, Handler] = {
    "effort.state": _effort_state,
    "agent.spawned": _spawned,
    "agent.exited": _exited,
    "effort.merged": _merged,
    "effort.unmerged": _unmerged,
    "report": _report,
    "agent.usage": _usage,
    "check.result": _check_result,
    "phase.state": _phase_state,
    "gate.evaluated": _gate_evaluated,
    "gate.override": _gate_override,
    "approval": _approval,
    "blocker.opened": _blocker_opened,
    "blocker.ack": _blocker_ack,
    "blocker.resolved": _blocker_resolved,
}

# Kinds whose handler needs the effort column (events without one are logged, not projected).
_NEEDS_EFFORT = {
    "effort.state",
    "agent.spawned",
    "agent.exited",
    "effort.merged",
    "effort.unmerged",
    "report",
    "agent.usage",
}


def apply(c: Cursor, ev: Event) -> None:
    handler = HANDLERS.get(ev.kind)
    if handler is None:
        return
    if ev.kind in _NEEDS_EFFORT and ev.effort is None:
        return
    if ev.kind == "phase.state" and ev.phase is None:
        return
    handler(c, ev)


PROJECTION_TABLES = (
    "efforts",
    "phases",
    "blockers",
    "acks",
    "approvals",
    "metric_values",
    "metric_stats",
    "notes",
    "gate_firsts",
)
