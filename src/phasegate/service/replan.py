"""Replanning mid-run: the plan as edited against the plan the store last ran, and its
reconciliation, recorded as one `plan.revised` event (with the cancellations it implies)
in one transaction, so a crash leaves the revision applied entirely or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from phasegate.errors import UsageError
from phasegate.store import Store
from phasegate.tracking.revision import (
    REVISED,
    Diff,
    Reconciliation,
    diff,
    digest,
    reconcile,
    shape,
    summary,
)

if TYPE_CHECKING:  # status reads revisions without paying for the plan model
    from phasegate.plan.load import LoadedPlan
    from phasegate.plan.model import Plan


@dataclass(frozen=True)
class Revision:
    number: int  # the revision this would be (or is, once applied)
    diff: Diff
    plan: Reconciliation
    applied: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.number,
            "applied": self.applied,
            "diff": self.diff.to_json(),
            "summary": summary(self.diff),
            "reconciliation": self.plan.to_json(),
        }


def _last(store: Store) -> tuple[int, dict[str, Any] | None]:
    evs = store.events(kinds=[REVISED])
    if not evs:
        return 0, None
    d = evs[-1].data
    return int(d.get("revision", len(evs))), d.get("shape")


def record_baseline(plan: Plan, store: Store) -> None:
    """The first run of a store records the plan it carries out (revision 1)."""
    if _last(store)[1] is None:
        s = shape(plan)
        store.append(REVISED, data={"revision": 1, "initial": True, "shape": s,
                                    "digest": digest(s)}, key="plan.revised:1")  # fmt: skip


def pending(plan: Plan, store: Store) -> Revision | None:
    """The unreconciled difference, or None when the store ran exactly this plan (or has
    not run any plan yet)."""
    number, old = _last(store)
    if old is None:
        return None
    new = shape(plan)
    if digest(new) == digest(old):
        return None
    d = diff(old, new)
    if d.empty:
        return None
    return Revision(number + 1, d, reconcile(d, store.efforts()), False)


def ensure_reconciled(plan: Plan, store: Store) -> None:
    """What `run` asks before it starts: a changed plan must be reviewed and applied."""
    rev = pending(plan, store)
    if rev is None:
        record_baseline(plan, store)
        return
    raise UsageError(
        f"the plan changed since the store last ran it ({summary(rev.diff)}); "
        "review and apply it with 'phasegate replan'"
    )


def apply(plan: Plan, store: Store) -> Revision | None:
    """Record the revision: the new shape, its difference and reconciliation, and the
    cancellation of removed efforts that never finished; None when nothing changed."""
    from phasegate.engine import crash

    rev = pending(plan, store)
    if rev is None:
        record_baseline(plan, store)
        return None
    s = shape(plan)
    items: list[dict[str, Any]] = [
        {"effort": k, "to": "cancelled", "reason": f"removed from the plan (revision {rev.number})"}
        for k in rev.plan.cancel
    ]
    items.append({
        "kind": REVISED, "key": f"plan.revised:{rev.number}",
        "data": {"revision": rev.number, "shape": s, "digest": digest(s),
                 "diff": rev.diff.to_json(), "summary": summary(rev.diff),
                 "reconciliation": rev.plan.to_json()},
    })  # fmt: skip
    crash.point("replan")
    store.commit_many(items)
    return Revision(rev.number, rev.diff, rev.plan, True)


def latest(store: Store) -> dict[str, Any] | None:
    """The last applied revision after the first, for status: number, when, what, flags."""
    evs = store.events(kinds=[REVISED])
    if not evs or evs[-1].data.get("initial"):
        return None
    d = evs[-1].data
    return {
        "revision": d.get("revision"),
        "at": evs[-1].ts,
        "summary": d.get("summary", ""),
        "flagged": (d.get("reconciliation") or {}).get("flagged", {}),
        "kept_merged": (d.get("reconciliation") or {}).get("kept_merged", []),
    }


def replan(loaded: LoadedPlan, *, db: str | None, dry_run: bool = False) -> Revision | None:
    """`phasegate replan`: the pending revision of the loaded plan, applied unless `dry_run`."""
    from phasegate.store import open_store

    with open_store(db, state_dir=loaded.state_dir) as store:
        return pending(loaded.plan, store) if dry_run else apply(loaded.plan, store)
