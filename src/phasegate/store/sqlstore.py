"""What every SQL backend does alike: the rules of writing events (reading: sqlreads.py).

A backend (store/sqlite.py, store/postgres.py) supplies its connection, its transactions and
the few statements the two SQL dialects spell differently; the rules (idempotency scopes,
stale attempts, transition checks, total bounds) and the projections (store/projection.py)
are written once here, so the backends cannot drift apart. Statements use `?` placeholders.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Self

from phasegate.errors import InputError, StateError, UsageError
from phasegate.states import INITIAL_EFFORT, INITIAL_PHASE, can_effort, can_phase
from phasegate.store import projection
from phasegate.store.sqlreads import EVENT_COLS, SqlReads, event_of
from phasegate.store.types import MAX_INTEGER, Event, Executor


def check_key(key: str | None) -> None:
    # A blank key is almost always an unset variable in the sender's script; accepting it
    # would make every later report that makes the same mistake a silent duplicate.
    if key is not None and not key.strip():
        raise UsageError("idempotency key must not be empty: leave the key out instead")


def not_unicode(e: UnicodeEncodeError) -> InputError:
    # Text that is not Unicode (bytes that were not UTF-8, a lone surrogate) cannot be
    # written to a column. The transaction is rolled back, so neither the event nor its
    # projection is stored, and its sender gets a message instead of a traceback.
    bad = e.object[e.start : e.end]
    return InputError(
        f"refused text that is not valid Unicode ({bad!r} is not a character; "
        "send UTF-8); nothing stored"
    )


def run_held(pid: str | None, host: str | None) -> UsageError:
    """The refusal a second `phasegate run` gets, naming the run that holds the plan."""
    who = f"pid {pid}" if pid else "another process"
    where = f" on {host}" if host else ""
    return UsageError(f"another 'phasegate run' ({who}){where} is carrying out this plan")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def check_text(*values: Any) -> None:
    # PostgreSQL text cannot hold a NUL character; SQLite could, and a store copied from
    # one to the other must not lose what the first accepted. Both refuse it alike.
    if _has_nul(values):
        raise InputError(
            "refused text containing a NUL character (\\x00), which a store cannot keep as "
            "text; nothing stored"
        )


class SqlStore(SqlReads):
    """The shared part of a backend. Subclasses set `_conn` and `clock` and implement the
    hooks below."""

    clock: Callable[[], float]
    _conn: Executor

    # -- hooks ------------------------------------------------------------------------

    def _write(self) -> AbstractContextManager[Executor]:
        """One writing transaction that excludes every other writer until it ends."""
        raise AttributeError("a store backend must define _write")

    def _all_totals(self, c: Executor) -> tuple[float, int]:
        raise AttributeError("a store backend must define _all_totals")

    def _after_load(self, c: Executor, last: int) -> None:
        """Make the backend's seq counter continue past `last` after a load."""

    def close(self) -> None:
        raise AttributeError("a store backend must define close")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def check_open(self) -> None:
        """UsageError when what this handle writes to is no longer the store it opened. A
        database server cannot be swapped under a connection, so there is nothing to check
        by default; the SQLite backend checks its file."""

    # -- writing ----------------------------------------------------------------------

    def _insert(
        self,
        c: Executor,
        kind: str,
        effort: str | None,
        phase: str | None,
        attempt: int | None,
        data: dict[str, Any] | None,
        key: str | None,
    ) -> Event | None:
        if not kind:
            raise ValueError("an event needs a kind")
        check_key(key)
        check_text(kind, effort, phase, key, data)
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
        row = c.execute(
            "INSERT INTO events(ts, kind, effort, phase, attempt, key, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq",
            (ts, kind, effort, phase, attempt, stored_key, json.dumps(payload, default=str)),
        ).fetchone()
        if row is None:
            return None  # an event with this key is already stored in this scope
        ev = Event(int(row[0]), ts, kind, effort, phase, attempt, stored_key, payload)
        projection.apply(c, ev)
        return ev

    def _check_totals(self, c: Executor, effort: str, data: dict[str, Any]) -> None:
        """Refuse a report that would push its effort's or the whole store's cost or tokens
        past what can be recorded: an infinite cost is not JSON (status --json would print
        Infinity), and an integer column past 64 bits cannot be stored at all. Checked in the
        writing transaction, so reports arriving together cannot slip past it between them."""
        cost, tokens = projection.report_amounts(data)
        if not cost and not tokens:
            return
        row = c.execute("SELECT cost, tokens FROM efforts WHERE id = ?", (effort,)).fetchone()
        had_cost, had_tokens = (float(row[0]), int(row[1])) if row else (0.0, 0)
        all_cost, all_tokens = self._all_totals(c)
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

    def _attempt(self, c: Executor, effort: str) -> int:
        row = c.execute("SELECT attempt FROM efforts WHERE id = ?", (effort,)).fetchone()
        return int(row[0]) if row else 0

    def _by_key(
        self, c: Executor, key: str | None, effort: str | None, phase: str | None
    ) -> Event | None:
        if key is None:
            return None
        where, args = self._in_scope(effort, phase, key)
        found = c.execute(f"SELECT {EVENT_COLS} FROM events WHERE {where}", args).fetchone()
        return event_of(found) if found else None

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
        c: Executor,
        effort: str,
        to: str,
        reason: str,
        attempt: int | None,
        data: dict[str, Any] | None,
        key: str | None,
        expect: str | None,
    ) -> Event:
        check_key(key)
        check_text(effort, to, key, reason, data)
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

    def _item(self, c: Executor, it: dict[str, Any]) -> Event | None:
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

    def _rebuild_in_tx(self, c: Executor) -> None:
        for table in projection.PROJECTION_TABLES:
            c.execute(f"DELETE FROM {table}")
        for row in c.execute(f"SELECT {EVENT_COLS} FROM events ORDER BY seq").fetchall():
            projection.apply(c, event_of(row))

    def rebuild(self) -> None:
        """Replay the whole log into fresh projections (after a projection change)."""
        with self._write() as c:
            self._rebuild_in_tx(c)

    def load_events(self, events: Sequence[Event]) -> None:
        with self._write() as c:
            (held,) = c.execute("SELECT COUNT(*) FROM events").fetchone()
            if int(held) > 0:
                raise UsageError(
                    f"store {self.shown}: already holds {held} event(s); copy into an empty store"
                )
            for ev in sorted(events, key=lambda e: e.seq):
                c.execute(
                    f"INSERT INTO events({EVENT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (ev.seq, ev.ts, ev.kind, ev.effort, ev.phase, ev.attempt, ev.key,
                     json.dumps(ev.data, default=str)),
                )  # fmt: skip
            if events:
                self._after_load(c, max(e.seq for e in events))
            self._rebuild_in_tx(c)

    @property
    def location(self) -> str:
        raise AttributeError("a store backend must define location")

    @property
    def shown(self) -> str:
        """The location as messages print it (no password)."""
        return self.location

    # -- waiting ----------------------------------------------------------------------

    def _poll_for_events(self, after_seq: int, timeout: float, interval: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if self.last_seq() > after_seq:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(interval, left))
