"""What every SQL backend reads alike: events and the projections, as the store's values.

The writing side (store/sqlstore.py) builds on this; a backend supplies the connection
(`_conn`, statements with `?` placeholders) and how its idempotency scopes are spelled.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Sequence
from typing import Any

from phasegate.store.types import (
    BlockerView,
    EffortView,
    Event,
    Executor,
    MetricSummary,
    PhaseView,
)

EVENT_COLS = "seq, ts, kind, effort, phase, attempt, key, data"
_EFFORT_COLS = (
    "e.id, e.state, e.attempt, e.progress, e.tasks_done, e.merged, e.pid, e.pid_start, "
    "e.reason, e.started_at, e.finished_at, e.cost, e.tokens, COALESCE(b.n, 0), "
    "e.updated_at, e.exit_code, e.merged_commit, e.reports, e.last_report_at"
)
# One grouped pass over open blockers instead of a count per effort.
_EFFORT_FROM = (
    "efforts e LEFT JOIN (SELECT effort, COUNT(*) AS n FROM blockers "
    "WHERE resolved_at IS NULL GROUP BY effort) b ON b.effort = e.id"
)


def event_of(row: Sequence[Any]) -> Event:
    return Event(int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]))


def _effort_view(row: Sequence[Any]) -> EffortView:
    return EffortView(
        id=row[0],
        state=row[1],
        attempt=int(row[2]),
        progress=row[3],
        tasks_done=json.loads(row[4]) if row[4] != "[]" else [],
        merged=bool(row[5]),
        pid=row[6],
        pid_start=row[7],
        reason=row[8],
        started_at=row[9],
        finished_at=row[10],
        cost=row[11],
        tokens=int(row[12]),
        blockers_open=int(row[13]),
        updated_at=row[14],
        exit_code=row[15],
        merged_commit=row[16],
        reports=int(row[17]),
        last_report_at=row[18],
    )


class SqlReads:
    _conn: Executor

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def _in_scope(
        self, effort: str | None, phase: str | None, key: str
    ) -> tuple[str, tuple[Any, ...]]:
        """The condition (and its arguments) picking the events of one idempotency key's
        scope, spelled so the backend's unique index answers it."""
        raise AttributeError("a store backend must define _in_scope")

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def efforts(self, ids: Collection[str] | None = None) -> dict[str, EffortView]:
        if ids is None:
            rows = self._rows(f"SELECT {_EFFORT_COLS} FROM {_EFFORT_FROM} ORDER BY e.id")
            return {r[0]: _effort_view(r) for r in rows}
        wanted = list(ids)
        out: dict[str, EffortView] = {}
        # Within SQLite's limit on bound parameters.
        for k in range(0, len(wanted), 500):
            part = wanted[k : k + 500]
            marks = ", ".join("?" for _ in part)
            sql = f"SELECT {_EFFORT_COLS} FROM {_EFFORT_FROM} WHERE e.id IN ({marks}) ORDER BY e.id"
            out.update((r[0], _effort_view(r)) for r in self._rows(sql, tuple(part)))
        return out

    def effort(self, effort_id: str) -> EffortView:
        rows = self._rows(f"SELECT {_EFFORT_COLS} FROM {_EFFORT_FROM} WHERE e.id = ?", (effort_id,))
        return _effort_view(rows[0]) if rows else EffortView(id=effort_id)

    def phases(self) -> dict[str, PhaseView]:
        rows = self._rows(
            "SELECT id, state, reason, updated_at, gate_passed, gate_reasons, gate_at FROM phases"
        )
        return {
            r[0]: PhaseView(
                r[0], r[1], r[2], r[3], None if r[4] is None else bool(r[4]), json.loads(r[5]), r[6]
            )
            for r in rows
        }

    def events(
        self,
        *,
        effort: str | None = None,
        kinds: list[str] | None = None,
        after: int = 0,
    ) -> list[Event]:
        where = ["seq > ?"]
        args: list[Any] = [after]
        if effort is not None:
            where.append("effort = ?")
            args.append(effort)
        if kinds:
            where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            args.extend(kinds)
        sql = f"SELECT {EVENT_COLS} FROM events WHERE {' AND '.join(where)} ORDER BY seq"
        return [event_of(r) for r in self._rows(sql, tuple(args))]

    def check_results(self, scope: str | None = None) -> list[Event]:
        found = self.events(kinds=["check.result"])
        return [e for e in found if scope is None or e.data.get("scope") == scope]

    def conflict_findings(self) -> list[Event]:
        return self.events(kinds=["conflict.finding"])

    def metric_values(self) -> dict[str, list[tuple[float, float, str | None]]]:
        out: dict[str, list[tuple[float, float, str | None]]] = {}
        for metric, ts, value, effort in self._rows(
            "SELECT metric, ts, value, effort FROM metric_values ORDER BY seq"
        ):
            out.setdefault(metric, []).append((ts, value, effort))
        return out

    def metric_summary(self) -> dict[str, MetricSummary]:
        rows = self._rows(
            "SELECT metric, count, first_value, first_ts, last_value, last_ts, last_effort "
            "FROM metric_stats"
        )
        return {r[0]: MetricSummary(r[0], int(r[1]), *r[2:]) for r in rows}

    def gate_firsts(self) -> dict[str, float]:
        return {m: float(v) for m, v in self._rows("SELECT metric, value FROM gate_firsts")}

    def blockers(self) -> list[BlockerView]:
        rows = self._rows(
            "SELECT b.id, b.effort, b.text, b.severity, b.opened_at, a.ts, a.by, "
            "b.resolved_at, b.resolved_by FROM blockers b LEFT JOIN acks a ON a.item = b.id "
            "ORDER BY b.num"
        )
        return [BlockerView(*r) for r in rows]

    def acks(self) -> dict[str, tuple[str | None, float]]:
        return {item: (by, ts) for item, by, ts in self._rows("SELECT item, by, ts FROM acks")}

    def approvals(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for effort, role in self._rows("SELECT effort, role FROM approvals"):
            out.setdefault(effort, set()).add(role)
        return out

    def notes(self, effort: str) -> list[str]:
        rows = self._rows("SELECT text FROM notes WHERE effort = ? ORDER BY seq", (effort,))
        return [r[0] for r in rows]

    def has_key(self, key: str, *, effort: str | None = None, phase: str | None = None) -> bool:
        where, args = self._in_scope(effort, phase, key)
        return bool(self._rows(f"SELECT 1 FROM events WHERE {where}", args))

    def last_seq(self) -> int:
        return int(self._rows("SELECT COALESCE(MAX(seq), 0) FROM events")[0][0])

    def count_events(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self._rows("SELECT COUNT(*) FROM events")[0][0])
        return int(self._rows("SELECT COUNT(*) FROM events WHERE kind = ?", (kind,))[0][0])

    def first_event_time(self) -> float | None:
        rows = self._rows("SELECT ts FROM events ORDER BY seq LIMIT 1")
        return float(rows[0][0]) if rows else None
