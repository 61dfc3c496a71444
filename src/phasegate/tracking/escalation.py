"""Escalation: blockers and risks not acknowledged within the plan's response time.

Pure `overdue_items` finds what is late; `notify_overdue` runs the matrix's notify command
at most once per item, claiming the item first with an idempotency key in the store so that
concurrent status commands (or the run engine) never page twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.store.types import BlockerView, EffortView, Store
from phasegate.tracking.facts import PlanFacts

NOTIFIED = "escalation.notified"


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # "blocker" | "risk"
    severity: str
    text: str
    effort: str | None
    since: float  # when its response clock started
    acked: bool
    due: float | None  # since + within, when the matrix covers the severity

    def overdue_by(self, now: float) -> float:
        return 0.0 if self.due is None or self.acked else max(0.0, now - self.due)

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "text": self.text,
            "effort": self.effort,
            "since": self.since,
            "due": self.due,
            "acked": self.acked,
            "overdue_by": self.overdue_by(now),
        }


def live_items(
    facts: PlanFacts,
    blockers: list[BlockerView],
    efforts: dict[str, EffortView],
    acks: dict[str, tuple[str | None, float]],
    project_start: float | None,
    phase_opened: dict[str, float],
) -> list[Item]:
    """Open blockers, and risks whose effort or phase has started (their clock starts then)."""
    items: list[Item] = []
    for b in blockers:
        if not b.open:
            continue
        esc = facts.escalation.get(b.severity)
        due = b.opened_at + esc.within if esc else None
        items.append(
            Item(
                b.id,
                "blocker",
                b.severity,
                b.text,
                b.effort,
                b.opened_at,
                b.acked_at is not None,
                due,
            )
        )
    for r in facts.risks:
        since: float | None
        if r.effort is not None:
            since = efforts[r.effort].started_at if r.effort in efforts else None
        elif r.phase is not None:
            since = phase_opened.get(r.phase)
        else:
            since = project_start
        if since is None:
            continue
        esc = facts.escalation.get(r.severity)
        due = since + esc.within if esc else None
        items.append(Item(r.id, "risk", r.severity, r.title, r.effort, since, r.id in acks, due))
    return items


def overdue_items(items: list[Item], now: float) -> list[Item]:
    return [i for i in items if i.overdue_by(now) > 0]


def notify_env(item: Item, facts: PlanFacts, now: float) -> dict[str, str]:
    esc = facts.escalation.get(item.severity)
    return {
        "PHASEGATE_ITEM_ID": item.id,
        "PHASEGATE_ITEM_KIND": item.kind,
        "PHASEGATE_ITEM_SEVERITY": item.severity,
        "PHASEGATE_ITEM_TEXT": item.text,
        "PHASEGATE_ITEM_EFFORT": item.effort or "",
        "PHASEGATE_ITEM_OVERDUE_SECONDS": str(int(item.overdue_by(now))),
        "PHASEGATE_ESCALATE_TO": ",".join(esc.to) if esc else "",
        "PHASEGATE_PROJECT": facts.project,
    }


def notify_overdue(
    store: Store, facts: PlanFacts, items: list[Item], now: float, *, cwd: str | None = None
) -> list[str]:
    """Run the notify command of each newly overdue item once; returns the items notified."""
    from phasegate import proc

    done: list[str] = []
    for item in overdue_items(items, now):
        esc = facts.escalation.get(item.severity)
        if esc is None or esc.notify is None:
            continue
        claimed = store.append(
            NOTIFIED,
            effort=item.effort,
            data={"item": item.id, "kind": item.kind, "severity": item.severity},
            key=f"escalation:{item.kind}:{item.id}",
        )
        if claimed is None:
            continue  # someone else already notified for this item
        # The item travels in environment variables, never spliced into the shell string.
        result = proc.run(
            proc.shell_argv(esc.notify), cwd=cwd, extra_env=notify_env(item, facts, now), timeout=60
        )
        store.append(
            "escalation.notify_result",
            effort=item.effort,
            data={"item": item.id, "exit_code": result.returncode, "tail": result.tail(5)},
        )
        done.append(item.id)
    return done
