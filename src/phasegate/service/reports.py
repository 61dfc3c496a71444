"""Progress reports from agents and people: stored once per idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.store.types import Event
from phasegate.tracking import reports
from phasegate.tracking.reports import RawReport
from phasegate.tracking.session import Session

__all__ = ["RawReport", "Reported", "parse_json", "prepare", "raw_report", "report", "result"]


@dataclass(frozen=True)
class Reported:
    effort: str
    seq: int | None  # None: a report with this key was already stored, nothing changed
    key: str | None
    attempt: int | None
    data: dict[str, Any]

    @property
    def stored(self) -> bool:
        return self.seq is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.report/1",
            "effort": self.effort,
            "stored": self.stored,
            "seq": self.seq,
            "key": self.key,
            "attempt": self.attempt,
            "report": self.data,
        }


def parse_json(text: str) -> tuple[RawReport, str | None, str | None]:
    """A report sent as one JSON object: the report, and the effort and key it names."""
    return reports.from_json(text)


def raw_report(
    *,
    tasks_done: list[str] | None = None,
    progress: str | None = None,
    blockers: list[str] | None = None,
    severity: str | None = None,
    metrics: list[str] | None = None,
    note: object = None,
    cost: object = None,
    tokens: object = None,
    base: RawReport | None = None,
) -> RawReport:
    """Fields given one by one (command-line options, tool arguments) added to `base`."""
    raw = base if base is not None else RawReport()
    raw.tasks_done += list(tasks_done or [])
    if progress is not None:
        raw.progress = progress
    raw.blockers += [(b, severity) for b in blockers or []]
    if severity is not None and not raw.blockers:
        reports.severity(severity)  # a severity alone is still checked, then has no use
    raw.metrics += list(metrics or [])
    for name, value in (("note", note), ("cost", cost), ("tokens", tokens)):
        if value is not None:
            setattr(raw, name, value)
    return raw


def prepare(
    s: Session,
    effort: str | None,
    raw: RawReport,
    *,
    attempt: int | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """A report checked against the plan, as an item for `Store.commit_many`: writers that
    batch many reports into one transaction (the MCP server) store it themselves."""
    f = reports.effort_facts(s.facts, effort)
    data = reports.build(s.facts, f, raw)
    return {"kind": "report", "effort": f.id, "attempt": attempt, "data": data, "key": key}


def result(item: dict[str, Any], ev: Event | None) -> Reported:
    """What storing a prepared report did."""
    return Reported(
        item["effort"], ev.seq if ev else None, item["key"], item["attempt"], item["data"]
    )


def report(
    s: Session,
    effort: str | None,
    raw: RawReport,
    *,
    attempt: int | None = None,
    key: str | None = None,
) -> Reported:
    """Check a report against the plan and store it; a key already stored changes nothing.
    With `attempt`, a report from an attempt that is no longer current is refused."""
    item = prepare(s, effort, raw, attempt=attempt, key=key)
    ev = s.store.append(
        "report", effort=item["effort"], attempt=attempt, data=item["data"], key=key
    )
    return result(item, ev)
