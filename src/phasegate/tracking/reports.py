"""Turning what an agent or person sent into one report event, or one clear refusal.

Everything is validated before anything is stored, so a bad report stores nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from phasegate.errors import InputError, UnknownId
from phasegate.store.types import MAX_INTEGER
from phasegate.tracking.facts import EffortFacts, PlanFacts

SEVERITIES = ("critical", "high", "medium", "low")
# Documented limits (README, "Reports"): a store is read by every status and brief, so
# one sender cannot make it grow without bound.
MAX_NOTE_BYTES = 64 * 1024
MAX_BLOCKER_BYTES = 4 * 1024
MAX_REPORT_BYTES = 1024 * 1024  # a whole JSON report on stdin
JSON_KEYS = {
    "effort",
    "tasks_done",
    "task_done",
    "progress",
    "blockers",
    "blocker",
    "severity",
    "metrics",
    "note",
    "cost",
    "tokens",
    "key",
}


@dataclass
class RawReport:
    tasks_done: list[str] = field(default_factory=list)
    progress: str | None = None
    blockers: list[tuple[object, object]] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)  # "K=V"
    note: object = None
    cost: str | None = None
    tokens: str | None = None


def number(text: object, what: str) -> float:
    if isinstance(text, bool):
        raise InputError(f"{what}: expected a number, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        s = str(text).strip().rstrip("%").strip()
        try:
            value = float(s)
        except ValueError:
            raise InputError(f"{what}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise InputError(f"{what}: expected a finite number, got {text!r}")
    return value


def deliverable(f: EffortFacts, given: str) -> str:
    """A deliverable by name (exact, then case-insensitive) or by its 1-based number."""
    if given in f.deliverables:
        return given
    folded = [d for d in f.deliverables if d.casefold() == given.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    if given.strip().isdigit():
        k = int(given.strip())
        if 1 <= k <= len(f.deliverables):
            return f.deliverables[k - 1]
    if not f.deliverables:
        raise InputError(f"effort {f.id} declares no deliverables; cannot mark {given!r} done")
    listing = "; ".join(f"{i}. {d}" for i, d in enumerate(f.deliverables, 1))
    raise InputError(f"effort {f.id} has no deliverable {given!r} (it has: {listing})")


def severity(s: object) -> str:
    value = str(s or "medium").strip().lower()
    if value not in SEVERITIES:
        raise InputError(f"bad severity {s!r}: use one of {', '.join(SEVERITIES)}")
    return value


def effort_facts(facts: PlanFacts, effort: str | None) -> EffortFacts:
    if not effort:
        raise InputError("which effort? pass EFFORT or set PHASEGATE_EFFORT")
    f = facts.effort(effort)
    if f is None:
        raise UnknownId(f"unknown effort {effort!r} in plan {facts.project}")
    return f


def build(facts: PlanFacts, f: EffortFacts, raw: RawReport) -> dict[str, Any]:
    """Event data for a validated report; raises InputError naming the first problem."""
    data: dict[str, Any] = {}
    if raw.tasks_done:
        tasks: list[str] = []
        for t in raw.tasks_done:
            name = deliverable(f, t)
            if name not in tasks:
                tasks.append(name)
        data["tasks_done"] = tasks
    data["deliverables_total"] = len(f.deliverables)
    if raw.progress is not None:
        p = number(raw.progress, "progress")
        if not 0 <= p <= 100:
            raise InputError(f"progress: expected 0 to 100, got {raw.progress!r}")
        data["progress"] = p
    if raw.blockers:
        data["blockers"] = [
            {"text": _text(text, "blocker", MAX_BLOCKER_BYTES), "severity": severity(sev)}
            for text, sev in raw.blockers
        ]
    if raw.metrics:
        values: dict[str, float] = {}
        for item in raw.metrics:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise InputError(f"metric {item!r}: expected KEY=VALUE, as in coverage=82.5")
            if facts.metric(key) is None:
                known = ", ".join(m.id for m in facts.metrics) or "none declared"
                raise InputError(f"unknown metric {key!r} (plan metrics: {known})")
            values[key] = number(value, f"metric {key}")
        data["metrics"] = values
    if raw.note is not None:
        data["note"] = _text(raw.note, "note", MAX_NOTE_BYTES)
    if raw.cost is not None:
        c = number(raw.cost, "cost")
        if c < 0:
            raise InputError(f"cost: must not be negative, got {raw.cost!r}")
        data["cost"] = c
    if raw.tokens is not None:
        data["tokens"] = _count(raw.tokens, "tokens")
    if len(data) == 1:
        raise InputError(
            "empty report: pass --task-done, --progress, --blocker, --metric, --note, --cost "
            "or --tokens"
        )
    return data


def _count(text: object, what: str) -> int:
    """A whole number >= 0 that the store can keep (at most MAX_INTEGER)."""
    try:
        # Exact for integers written out in full, which a float would round past 2**53.
        n = int(str(text).strip())
    except ValueError:
        f = number(text, what)
        if not f.is_integer():
            raise InputError(f"{what}: expected a whole number >= 0, got {text!r}") from None
        n = int(f)
    if n < 0:
        raise InputError(f"{what}: expected a whole number >= 0, got {text!r}")
    if n > MAX_INTEGER:
        raise InputError(f"{what}: at most {MAX_INTEGER} in one report, got {text!r}")
    return n


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        shown = repr(value)
        raise InputError(f"{what}: expected non-empty text, got {shown[:80]}")
    # Lone surrogates come from bytes that were not UTF-8 (on the command line) or from a
    # JSON escape such as \ud800. Refused rather than replaced with U+FFFD: a note or blocker
    # is stored exactly as sent or not at all, and the sender, told so, can resend it.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = value[e.start : e.end]
        raise InputError(
            f"{what}: not valid Unicode text ({bad!r} at position {e.start} is not a "
            "character; send UTF-8)"
        ) from None
    size = len(value.strip().encode("utf-8"))
    if size > limit:
        raise InputError(
            f"{what}: {size} bytes, at most {limit} are stored; shorten it, or point to a "
            "file in the repository"
        )
    return value.strip()


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def from_json(text: str) -> tuple[RawReport, str | None, str | None]:
    """A report object from stdin: (report, effort, key)."""
    # The decoder, and str() and json.dumps() of what it returns, recurse once per nested
    # array or object: input nested past the interpreter's limit is refused, not a crash.
    too_deep = InputError("malformed report: JSON on stdin is nested too deeply")
    if len(text) > MAX_REPORT_BYTES or len(text.encode("utf-8", "replace")) > MAX_REPORT_BYTES:
        raise InputError(f"report on stdin: more than {MAX_REPORT_BYTES} bytes; nothing stored")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"malformed JSON on stdin: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    except RecursionError:
        raise too_deep from None
    except ValueError:
        # The one other ValueError: Python reads no integer of more than 4300 digits.
        raise InputError("malformed report: a number on stdin has too many digits") from None
    try:
        return _from_doc(doc)
    except RecursionError:
        raise too_deep from None


def _from_doc(doc: object) -> tuple[RawReport, str | None, str | None]:
    if not isinstance(doc, dict):
        raise InputError('malformed report: expected a JSON object such as {"progress": 50}')
    unknown = sorted(set(doc) - JSON_KEYS)
    if unknown:
        raise InputError(
            f"unknown report field {unknown[0]!r} (known: {', '.join(sorted(JSON_KEYS))})"
        )
    raw = RawReport()
    raw.tasks_done = [str(t) for t in _list(doc.get("tasks_done"), "tasks_done")]
    raw.tasks_done += [str(t) for t in _list(doc.get("task_done"), "task_done")]
    if doc.get("progress") is not None:
        raw.progress = (
            doc["progress"] if isinstance(doc["progress"], str) else json.dumps(doc["progress"])
        )
    default_sev = doc.get("severity")
    for b in _list(doc.get("blockers"), "blockers") + _list(doc.get("blocker"), "blocker"):
        if isinstance(b, dict):
            raw.blockers.append((b.get("text"), b.get("severity", default_sev)))
        else:
            raw.blockers.append((b, default_sev))
    metrics = doc.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, dict):
            raise InputError('metrics: expected an object such as {"coverage": 82.5}')
        raw.metrics = [
            f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in metrics.items()
        ]
    raw.note = doc.get("note")
    for name in ("cost", "tokens"):
        v = doc.get(name)
        if v is not None:
            setattr(raw, name, v if isinstance(v, str) else json.dumps(v))
    effort = doc.get("effort")
    key = doc.get("key")
    return raw, None if effort is None else str(effort), None if key is None else str(key)
