"""Plan revisions: what about a plan a run depends on, how two versions differ, and how a
difference is reconciled with the recorded state.

Pure. The shape leaves out what can change freely between runs (titles, descriptions,
owners, agent commands): only what decides which work exists, in what order, and how it is
judged makes a revision.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.states import ACTIVE
from phasegate.store.types import EffortView

if TYPE_CHECKING:  # the plan model costs pydantic's import; status reads revisions without it
    from phasegate.plan.model import Check, Plan

REVISED = "plan.revised"


def _check(c: Check) -> dict[str, Any]:
    return {"name": c.label, "run": c.run, "metric": c.metric, "expect": c.expect}


def shape(plan: Plan) -> dict[str, Any]:
    efforts = {
        e.id: {
            "phase": plan.phase_of(e),
            "depends_on": sorted(e.depends_on),
            "size": e.size,
            "branch": plan.branch_of(e),
            "files": list(e.files),
            "deliverables": list(e.deliverables),
            "checks": [_check(c) for c in e.checks],
            "provides": [c.model_dump(mode="json") for c in e.provides],
            "uses": sorted(u.name for u in e.uses),
        }
        for e in plan.efforts
    }
    phases = {
        p.id: {
            "after": sorted(plan.phase_after(i)),
            "gate": {
                "checks": [_check(c) for c in p.gate.checks],
                "require": p.gate.require.model_dump(mode="json"),
                "criteria": list(p.gate.criteria),
            },
        }
        for i, p in enumerate(plan.phases)
    }
    return {"efforts": efforts, "phases": phases}


def digest(s: Mapping[str, Any]) -> str:
    import hashlib  # here: status reads revisions without digesting any, and OpenSSL loads slowly

    return hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Diff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # effort -> fields changed
    rewired: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # effort -> +/- deps
    phases_added: list[str] = field(default_factory=list)
    phases_removed: list[str] = field(default_factory=list)
    gates_changed: list[str] = field(default_factory=list)
    phases_reordered: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (self.added, self.removed, self.changed, self.rewired, self.phases_added,
             self.phases_removed, self.gates_changed, self.phases_reordered)
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "rewired": self.rewired,
            "phases_added": self.phases_added,
            "phases_removed": self.phases_removed,
            "gates_changed": self.gates_changed,
            "phases_reordered": self.phases_reordered,
        }


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> Diff:
    oe, ne = old.get("efforts", {}), new.get("efforts", {})
    op, np_ = old.get("phases", {}), new.get("phases", {})
    changed: dict[str, list[str]] = {}
    rewired: dict[str, dict[str, list[str]]] = {}
    for k in ne:
        if k not in oe:
            continue
        fields = sorted(f for f in ne[k] if ne[k][f] != oe[k].get(f))
        if "depends_on" in fields:
            before, after = set(oe[k]["depends_on"]), set(ne[k]["depends_on"])
            rewired[k] = {"added": sorted(after - before), "removed": sorted(before - after)}
            fields.remove("depends_on")
        if fields:
            changed[k] = fields
    return Diff(
        added=[k for k in ne if k not in oe],
        removed=[k for k in oe if k not in ne],
        changed=changed,
        rewired=rewired,
        phases_added=[k for k in np_ if k not in op],
        phases_removed=[k for k in op if k not in np_],
        gates_changed=[k for k in np_ if k in op and np_[k]["gate"] != op[k]["gate"]],
        phases_reordered=[k for k in np_ if k in op and np_[k]["after"] != op[k]["after"]],
    )


@dataclass(frozen=True)
class Reconciliation:
    cancel: list[str]  # removed, not started or finished without success: cancelled
    kept_merged: list[str]  # removed after they were done: their work stays merged
    flagged: dict[str, str]  # effort -> why a person should look at it
    scheduled: list[str]  # added: pending, dispatched like any other

    def to_json(self) -> dict[str, Any]:
        return {
            "cancelled": self.cancel,
            "kept_merged": self.kept_merged,
            "flagged": self.flagged,
            "scheduled": self.scheduled,
        }


def reconcile(d: Diff, views: Mapping[str, EffortView]) -> Reconciliation:
    cancel: list[str] = []
    kept: list[str] = []
    flagged: dict[str, str] = {}
    for k in d.removed:
        v = views.get(k)
        if v is None:
            continue  # never started: nothing recorded to reconcile
        state = v.state
        if state == "done":
            kept.append(k)
        elif state in ACTIVE:
            flagged[k] = f"{state} but removed from the plan: stop its agent or put it back"
        elif state != "cancelled":
            cancel.append(k)
    for k, wire in d.rewired.items():
        v = views.get(k)
        state = v.state if v else "pending"
        if state in ACTIVE or state == "done":
            what = ", ".join([f"+{x}" for x in wire["added"]] + [f"-{x}" for x in wire["removed"]])
            flagged[k] = (
                f"{state} while its dependencies changed ({what}): it did not start from "
                "the work it now depends on"
            )
    return Reconciliation(cancel, kept, flagged, list(d.added))


def summary(d: Diff) -> str:
    parts = []
    for label, items in (
        ("added", d.added), ("removed", d.removed), ("changed", list(d.changed)),
        ("re-wired", list(d.rewired)), ("phases added", d.phases_added),
        ("phases removed", d.phases_removed), ("gates changed", d.gates_changed),
        ("phases reordered", d.phases_reordered),
    ):  # fmt: skip
        if items:
            parts.append(f"{label}: {', '.join(items)}")
    return "; ".join(parts) or "no change"
