"""The default store: one SQLite file, an append-only event log plus projection tables.

Every write is one `BEGIN IMMEDIATE` transaction that appends the event and updates the
projections, so a reader never sees one without the other and a writer killed mid-way leaves
neither. Concurrent writers (many agents reporting at once) queue on SQLite's write lock
through the busy timeout instead of failing.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from phasegate.errors import InputError, StateError, UsageError
from phasegate.states import INITIAL_EFFORT, INITIAL_PHASE, can_effort, can_phase
from phasegate.store import migrations, projection
from phasegate.store.types import (
    MAX_INTEGER,
    BlockerView,
    EffortView,
    Event,
    MetricSummary,
    PhaseView,
)

BUSY_TIMEOUT_S = 60.0
_EVENT_COLS = "seq, ts, kind, effort, phase, attempt, key, data"
_EFFORT_COLS = (
    "e.id, e.state, e.attempt, e.progress, e.tasks_done, e.merged, e.pid, e.pid_start, "
    "e.reason, e.started_at, e.finished_at, e.cost, e.tokens, COALESCE(b.n, 0), "
    "e.updated_at, e.exit_code, e.merged_commit, e.reports, e.last_report_at"
)
# An idempotency key is unique within its scope: the effort, the phase, or neither. Spelled
# exactly as the unique index events_key (migration 3), so lookups search that index.
_IN_SCOPE = (
    "IFNULL(effort, X'') = IFNULL(?, X'') AND IFNULL(phase, X'') = IFNULL(?, X'') AND key = ?"
)
# One grouped pass over open blockers instead of a count per effort.
_EFFORT_FROM = (
    "efforts e LEFT JOIN (SELECT effort, COUNT(*) AS n FROM blockers "
    "WHERE resolved_at IS NULL GROUP BY effort) b ON b.effort = e.id"
)


class StoreGone(UsageError):
    """The store's file was removed or replaced under a process still using it."""


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _event(row: tuple[Any, ...]) -> Event:
    return Event(row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]))


def _check_key(key: str | None) -> None:
    # A blank key is almost always an unset variable in the sender's script; accepting it
    # would make every later report that makes the same mistake a silent duplicate.
    if key is not None and not key.strip():
        raise UsageError("idempotency key must not be empty: leave the key out instead")


def _effort_view(row: tuple[Any, ...]) -> EffortView:
    return EffortView(
        id=row[0],
        state=row[1],
        attempt=row[2],
        progress=row[3],
        tasks_done=json.loads(row[4]) if row[4] != "[]" else [],
        merged=bool(row[5]),
        pid=row[6],
        pid_start=row[7],
        reason=row[8],
        started_at=row[9],
        finished_at=row[10],
        cost=row[11],
        tokens=row[12],
        blockers_open=row[13],
        updated_at=row[14],
        exit_code=row[15],
        merged_commit=row[16],
        reports=row[17],
        last_report_at=row[18],
    )


class SqliteStore:
    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self.clock = clock
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise
        self._identity = _identity(self.path)

    # -- connection -------------------------------------------------------------------

    def _setup(self) -> None:
        try:
            self._configure_and_migrate()
        except migrations.NewerSchema as e:
            raise UsageError(
                f"store {self.path}: written by a newer phasegate (schema version {e.found}; "
                f"this one knows up to {e.known}); upgrade phasegate to use it"
            ) from None

    def _configure_and_migrate(self) -> None:
        c = self._conn
        c.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        # Before anything below changes the file; migrate() checks again under its lock.
        migrations.refuse_newer(c)
        # Switching a fresh file to WAL takes a lock the busy handler does not always wait
        # for, so several processes creating the store at once retry here.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                c.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        # FULL, not NORMAL: a report acknowledged to an agent is a promise the agent will not
        # re-send, so each commit is synced to disk and survives a power loss, not only a
        # killed process. Events arrive at human and agent pace, so one fsync each is cheap;
        # bulk writers batch through append_many (one transaction, one sync).
        c.execute("PRAGMA synchronous = FULL")
        c.execute("PRAGMA foreign_keys = ON")
        migrations.migrate(c, self._rebuild_in_tx)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def check_open(self) -> None:
        """StoreGone when the file at this store's path is no longer the one it opened
        (deleted, or replaced by another file): writing on would go to a file nobody reads."""
        if self.path == ":memory:" or self._identity is None:
            return
        now = _identity(self.path)
        if now != self._identity:
            what = "was removed" if now is None else "was replaced by another file"
            raise StoreGone(
                f"store {self.path} {what} while in use; nothing more is written to it. "
                "Put the store back (or restore it from a backup) and run again"
            )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.check_open()
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except UnicodeEncodeError as e:
                c.execute("ROLLBACK")
                # Text that is not Unicode (bytes that were not UTF-8, a lone surrogate)
                # cannot be written to a column. Rolled back, so neither the event nor its
                # projection is stored, and whatever a command let through, its sender gets
                # a message instead of a traceback.
                bad = e.object[e.start : e.end]
                raise InputError(
                    f"refused text that is not valid Unicode ({bad!r} is not a character; "
                    "send UTF-8); nothing stored"
                ) from None
            except BaseException:
                c.execute("ROLLBACK")
                raise
            c.execute("COMMIT")

    @contextmanager
    def consistent(self) -> Iterator[None]:
        """Several reads that see one moment of the store (a WAL read snapshot)."""
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # -- writing ----------------------------------------------------------------------

    def _insert(
        self,
        c: sqlite3.Connection,
        kind: str,
        effort: str | None,
        phase: str | None,
        attempt: int | None,
        data: dict[str, Any] | None,
        key: str | None,
    ) -> Event | None:
        if not kind:
            raise ValueError("an event needs a kind")
        _check_key(key)
        report = kind == "report" and effort is not None and attempt is not None
        # A report's duplicate is answered before its attempt is judged, so it is looked up
        # first; any other event's duplicate is caught by the insert itself.
        if report and self._by_key(c, key, effort, phase) is not None:
            return None
        if report:
            assert effort is not None
            current = self._attempt(c, effort)
            if attempt != current:
                raise StateError(
                    f"effort {effort}: report from attempt {attempt} refused, "
                    f"the current attempt is {current}"
                )
        payload = dict(data or {})
        if kind == "report" and effort is not None:
            self._check_totals(c, effort, payload)
        ts = float(self.clock())
        stored_key = key if key is not None else os.urandom(16).hex()
        cur = c.execute(
            "INSERT INTO events(ts, kind, effort, phase, attempt, key, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (ts, kind, effort, phase, attempt, stored_key, json.dumps(payload, default=str)),
        )
        if cur.rowcount == 0:
            return None  # an event with this key is already stored in this scope
        seq = cur.lastrowid
        assert seq is not None
        ev = Event(seq, ts, kind, effort, phase, attempt, stored_key, payload)
        projection.apply(c, ev)
        return ev

    def _check_totals(self, c: sqlite3.Connection, effort: str, data: dict[str, Any]) -> None:
        """Refuse a report that would push its effort's or the whole store's cost or tokens
        past what can be recorded: an infinite cost is not JSON (status --json would print
        Infinity), and an INTEGER column past 64 bits cannot be stored at all. Checked in the
        writing transaction, so reports arriving together cannot slip past it between them."""
        cost, tokens = projection.report_amounts(data)
        if not cost and not tokens:
            return
        row = c.execute("SELECT cost, tokens FROM efforts WHERE id = ?", (effort,)).fetchone()
        had_cost, had_tokens = (float(row[0]), int(row[1])) if row else (0.0, 0)
        (all_cost,) = c.execute("SELECT TOTAL(cost) FROM efforts").fetchone()
        try:  # SUM, not TOTAL: exact, where a float would round near the bound
            (all_tokens,) = c.execute("SELECT COALESCE(SUM(tokens), 0) FROM efforts").fetchone()
        except sqlite3.OperationalError as e:
            if "overflow" not in str(e):
                raise
            all_tokens = MAX_INTEGER + 1  # only a store written before this bound gets here
        if not math.isfinite(had_cost + cost) or not math.isfinite(all_cost + cost):
            raise InputError(
                f"cost: {cost:g} would bring the recorded total past what can be stored "
                f"(effort {effort} has {had_cost:g}, all efforts {all_cost:g}); nothing stored"
            )
        if had_tokens + tokens > MAX_INTEGER or all_tokens + tokens > MAX_INTEGER:
            raise InputError(
                f"tokens: {tokens} would bring the recorded total past {MAX_INTEGER} "
                f"(effort {effort} has {had_tokens}, all efforts {all_tokens}); nothing stored"
            )

    def append(
        self,
        kind: str,
        *,
        effort: str | None = None,
        phase: str | None = None,
        attempt: int | None = None,
        data: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Event | None:
        with self._write() as c:
            return self._insert(c, kind, effort, phase, attempt, data, key)

    def append_many(self, items: list[dict[str, Any]]) -> list[Event | None]:
        """Several events in one transaction: all stored (bar duplicate keys) or none."""
        with self._write() as c:
            return [
                self._insert(
                    c,
                    str(it["kind"]),
                    it.get("effort"),
                    it.get("phase"),
                    it.get("attempt"),
                    it.get("data"),
                    it.get("key"),
                )
                for it in items
            ]

    def _attempt(self, c: sqlite3.Connection, effort: str) -> int:
        row = c.execute("SELECT attempt FROM efforts WHERE id = ?", (effort,)).fetchone()
        return int(row[0]) if row else 0

    def _by_key(
        self, c: sqlite3.Connection, key: str | None, effort: str | None, phase: str | None
    ) -> Event | None:
        if key is None:
            return None
        row = c.execute(f"SELECT {_EVENT_COLS} FROM events WHERE {_IN_SCOPE}", (effort, phase, key))
        found = row.fetchone()
        return _event(found) if found else None

    def transition(
        self,
        effort: str,
        to: str,
        *,
        reason: str = "",
        attempt: int | None = None,
        data: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Event:
        with self._write() as c:
            return self._transition(c, effort, to, reason, attempt, data, key, None)

    def _transition(
        self,
        c: sqlite3.Connection,
        effort: str,
        to: str,
        reason: str,
        attempt: int | None,
        data: dict[str, Any] | None,
        key: str | None,
        expect: str | None,
    ) -> Event:
        _check_key(key)
        seen = self._by_key(c, key, effort, None)
        if seen is not None:
            return seen
        row = c.execute("SELECT state, attempt FROM efforts WHERE id = ?", (effort,)).fetchone()
        current, cur_attempt = (row[0], int(row[1])) if row else (INITIAL_EFFORT, 0)
        if attempt is not None and attempt != cur_attempt:
            raise StateError(
                f"effort {effort}: attempt {attempt} is stale (current attempt is "
                f"{cur_attempt}); refusing {current} -> {to}"
            )
        if expect is not None and current != expect:
            raise StateError(f"effort {effort}: expected {expect}, found {current}; refusing {to}")
        if not can_effort(current, to):
            raise StateError(f"effort {effort}: cannot go from {current} to {to}")
        new_attempt = cur_attempt + 1 if to == "running" and attempt is None else cur_attempt
        payload = {**(data or {}), "from": current, "to": to, "reason": reason}
        ev = self._insert(c, "effort.state", effort, None, new_attempt, payload, key)
        assert ev is not None
        return ev

    def commit_many(self, items: list[dict[str, Any]]) -> list[Event | StateError | None]:
        """Events and effort transitions (items with `to`, optionally `expect`: the state the
        writer saw) in one transaction, so one sync to disk. Each item's rules are checked
        in order against what the items before it wrote; an item they refuse stores nothing
        and its StateError takes its place in the result, the others stand."""
        out: list[Event | StateError | None] = []
        with self._write() as c:
            for it in items:
                try:
                    out.append(self._item(c, it))
                except StateError as err:
                    out.append(err)
        return out

    def phase_transition(
        self, phase: str, to: str, *, reason: str = "", data: dict[str, Any] | None = None
    ) -> Event:
        with self._write() as c:
            row = c.execute("SELECT state FROM phases WHERE id = ?", (phase,)).fetchone()
            current = row[0] if row else INITIAL_PHASE
            if not can_phase(current, to):
                raise StateError(f"phase {phase}: cannot go from {current} to {to}")
            if to == "overridden" and not reason.strip():
                raise StateError(f"phase {phase}: an override needs a reason")
            payload = {**(data or {}), "from": current, "to": to, "reason": reason}
            ev = self._insert(c, "phase.state", None, phase, None, payload, None)
            assert ev is not None
            return ev

    def _item(self, c: sqlite3.Connection, it: dict[str, Any]) -> Event | None:
        get = it.get
        if "to" in it:
            return self._transition(
                c, str(it["effort"]), str(it["to"]), str(get("reason", "")), get("attempt"),
                get("data"), get("key"), get("expect"),
            )  # fmt: skip
        return self._insert(
            c, str(it["kind"]), get("effort"), get("phase"), get("attempt"), get("data"),
            get("key"),
        )  # fmt: skip

    def _rebuild_in_tx(self) -> None:
        c = self._conn
        for table in projection.PROJECTION_TABLES:
            c.execute(f"DELETE FROM {table}")
        for row in c.execute(f"SELECT {_EVENT_COLS} FROM events ORDER BY seq").fetchall():
            projection.apply(c, _event(row))

    def rebuild(self) -> None:
        """Replay the whole log into fresh projections (after a projection change)."""
        with self._write():
            self._rebuild_in_tx()

    # -- reading ----------------------------------------------------------------------

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
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
        sql = f"SELECT {_EVENT_COLS} FROM events WHERE {' AND '.join(where)} ORDER BY seq"
        return [_event(r) for r in self._rows(sql, tuple(args))]

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
        return {r[0]: MetricSummary(*r) for r in rows}

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
        return bool(self._rows(f"SELECT 1 FROM events WHERE {_IN_SCOPE}", (effort, phase, key)))

    def last_seq(self) -> int:
        return int(self._rows("SELECT COALESCE(MAX(seq), 0) FROM events")[0][0])

    def count_events(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self._rows("SELECT COUNT(*) FROM events")[0][0])
        return int(self._rows("SELECT COUNT(*) FROM events WHERE kind = ?", (kind,))[0][0])

    def first_event_time(self) -> float | None:
        rows = self._rows("SELECT ts FROM events ORDER BY seq LIMIT 1")
        return float(rows[0][0]) if rows else None
