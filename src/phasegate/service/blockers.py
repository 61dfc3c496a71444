"""Blockers and risks: acknowledging them (stopping the escalation clock) and resolving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.errors import InputError
from phasegate.tracking.session import Session


@dataclass(frozen=True)
class Acked:
    item: str
    by: str
    already: bool  # it was acknowledged before; nothing new recorded
    resolved: bool = False  # resolved by this call or before it

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.ack/1",
            "item": self.item,
            "by": self.by,
            "already": self.already,
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class Resolved:
    blocker: str
    effort: str | None
    by: str
    already: bool  # it was resolved before; nothing new recorded

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.resolve/1",
            "blocker": self.blocker,
            "effort": self.effort,
            "by": self.by,
            "already": self.already,
        }


def ack(s: Session, item: str, *, by: str, resolve: bool = False) -> Acked:
    """Acknowledge a blocker (B3) or a plan risk (R1); with `resolve`, also resolve the
    blocker."""
    blockers = {b.id: b for b in s.store.blockers()}
    risks = {r.id for r in s.facts.risks}
    if item not in blockers and item not in risks:
        raise InputError(f"no blocker or risk {item!r} (see 'phasegate status')")
    b = blockers.get(item)
    if resolve and b is None:
        raise InputError(f"{item} is a risk; only blockers can be resolved")
    already = item in s.store.acks()
    if not already:
        s.store.append("blocker.ack", effort=b.effort if b else None, data={"id": item, "by": by})
    if resolve:
        assert b is not None
        if b.open:
            s.store.append("blocker.resolved", effort=b.effort, data={"id": item, "by": by})
    return Acked(item, by, already, resolve)


def resolve_blocker(s: Session, blocker: str, *, by: str, effort: str | None = None) -> Resolved:
    """Mark a blocker resolved. With `effort`, only a blocker of that effort may be resolved
    (an agent clears its own blockers, not another effort's)."""
    found = {b.id: b for b in s.store.blockers()}
    b = found.get(blocker)
    if b is None:
        raise InputError(f"no blocker {blocker!r} (see 'phasegate status')")
    if effort is not None and b.effort != effort:
        raise InputError(f"blocker {blocker} belongs to {b.effort or 'the plan'}, not {effort}")
    if not b.open:
        return Resolved(b.id, b.effort, by, True)
    s.store.append("blocker.resolved", effort=b.effort, data={"id": b.id, "by": by})
    return Resolved(b.id, b.effort, by, False)
