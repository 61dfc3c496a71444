"""The values a store hands out, and the interface every backend implements."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from phasegate.errors import StateError

# The largest whole number a store keeps exactly (SQLite's INTEGER is a signed 64-bit value).
MAX_INTEGER = 2**63 - 1


@dataclass(frozen=True)
class Event:
    seq: int
    ts: float
    kind: str
    effort: str | None
    phase: str | None
    attempt: int | None
    key: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "kind": self.kind,
            "effort": self.effort,
            "phase": self.phase,
            "attempt": self.attempt,
            "key": self.key,
            "data": self.data,
        }


@dataclass(frozen=True)
class EffortView:
    id: str
    state: str = "pending"
    attempt: int = 0
    progress: float = 0.0
    tasks_done: list[str] = field(default_factory=list)
    merged: bool = False
    pid: int | None = None
    pid_start: float | None = None
    reason: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    cost: float = 0.0
    tokens: int = 0
    blockers_open: int = 0
    updated_at: float | None = None
    exit_code: int | None = None
    merged_commit: str | None = None
    reports: int = 0
    last_report_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "attempt": self.attempt,
            "progress": self.progress,
            "tasks_done": list(self.tasks_done),
            "merged": self.merged,
            "pid": self.pid,
            "reason": self.reason,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cost": self.cost,
            "tokens": self.tokens,
            "blockers_open": self.blockers_open,
            "exit_code": self.exit_code,
            "reports": self.reports,
        }


@dataclass(frozen=True)
class PhaseView:
    id: str
    state: str = "waiting"
    reason: str = ""
    updated_at: float | None = None
    gate_passed: bool | None = None
    gate_reasons: list[str] = field(default_factory=list)
    gate_at: float | None = None


@dataclass(frozen=True)
class BlockerView:
    id: str
    effort: str | None
    text: str
    severity: str
    opened_at: float
    acked_at: float | None = None
    acked_by: str | None = None
    resolved_at: float | None = None
    resolved_by: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "effort": self.effort,
            "text": self.text,
            "severity": self.severity,
            "opened_at": self.opened_at,
            "acked_at": self.acked_at,
            "acked_by": self.acked_by,
            "resolved_at": self.resolved_at,
            "resolved_by": self.resolved_by,
        }


@dataclass(frozen=True)
class MetricSummary:
    """First and latest value of one metric, without reading its whole history."""

    metric: str
    count: int
    first: float
    first_ts: float
    latest: float
    latest_ts: float
    latest_effort: str | None


class Rows(Protocol):
    """What a statement hands back: sqlite3's cursor and psycopg's both fit."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Executor(Protocol):
    """Runs one statement written with `?` placeholders (see store/projection.py)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Rows: ...


class Store(Protocol):
    """What every backend offers; the contract tests in tests/store run against each."""

    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def append(
        self,
        kind: str,
        *,
        effort: str | None = None,
        phase: str | None = None,
        attempt: int | None = None,
        data: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Event | None: ...
    def append_many(self, items: list[dict[str, Any]]) -> list[Event | None]: ...
    def commit_many(self, items: list[dict[str, Any]]) -> list[Event | StateError | None]: ...
    def transition(
        self,
        effort: str,
        to: str,
        *,
        reason: str = "",
        attempt: int | None = None,
        data: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> Event: ...
    def phase_transition(
        self, phase: str, to: str, *, reason: str = "", data: dict[str, Any] | None = None
    ) -> Event: ...

    def efforts(self, ids: Collection[str] | None = None) -> dict[str, EffortView]:
        """Every effort with a row, or only those of `ids` that have one."""
        ...

    def effort(self, effort_id: str) -> EffortView: ...
    def phases(self) -> dict[str, PhaseView]: ...
    def events(
        self,
        *,
        effort: str | None = None,
        kinds: list[str] | None = None,
        after: int = 0,
    ) -> list[Event]: ...
    def check_results(self, scope: str | None = None) -> list[Event]: ...
    def metric_values(self) -> dict[str, list[tuple[float, float, str | None]]]: ...
    def metric_summary(self) -> dict[str, MetricSummary]: ...
    def gate_firsts(self) -> dict[str, float]:
        """Each metric's value at the first gate evaluation that measured it."""
        ...

    def blockers(self) -> list[BlockerView]: ...
    def acks(self) -> dict[str, tuple[str | None, float]]: ...
    def approvals(self) -> dict[str, set[str]]: ...
    def notes(self, effort: str) -> list[str]: ...
    def conflict_findings(self) -> list[Event]: ...
    def has_key(self, key: str, *, effort: str | None = None, phase: str | None = None) -> bool:
        """Whether an event with `key` is stored in the scope of `effort` and `phase`."""
        ...

    def check_open(self) -> None:
        """Raise a UsageError when what this handle writes to is no longer the store it
        opened (its file removed or replaced): nothing may be written to a store nobody
        will read. Every write checks it; a long-running engine also checks between."""
        ...

    def consistent(self) -> AbstractContextManager[None]: ...
    def last_seq(self) -> int: ...
    def count_events(self, kind: str | None = None) -> int: ...
    def first_event_time(self) -> float | None: ...
    def rebuild(self) -> None: ...

    @property
    def location(self) -> str:
        """What `--db` / PHASEGATE_DB must say to open this store again (agents get it)."""
        ...

    def run_lock(self) -> AbstractContextManager[None]:
        """Held while one `phasegate run` carries out the plan; UsageError naming the holder
        (pid and host) if another run holds it. Released when the holder exits or dies."""
        ...

    def wait_for_events(self, after_seq: int, timeout: float) -> bool:
        """Block until an event past `after_seq` is stored or `timeout` seconds pass;
        whether there is one. Wakes as soon as another process commits."""
        ...

    def load_events(self, events: Sequence[Event]) -> None:
        """Store `events` as they are (seq, time, key) into this empty store and project
        them; UsageError if it already holds events."""
        ...
