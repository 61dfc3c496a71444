"""Plan -> Task Master `tasks.json` (tagged layout), so a team can go back.

Task Master numbers its tasks, so every effort and external prerequisite becomes a top-level
task numbered in plan order; a `phasegate` block on each task and in the tag's metadata keeps
what Task Master has no field for (the plan id, size, phase, branch, files), which makes the
trip back to a plan lossless for the graph. Task Master itself ignores those blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from phasegate.plan.model import Effort, Plan

_STATUS = {
    "done": "done",
    "running": "in-progress",
    "checking": "review",
    "blocked": "blocked",
    "cancelled": "cancelled",
}


def to_taskmaster(
    plan: Plan, tag: str = "master", states: dict[str, str] | None = None
) -> dict[str, Any]:
    """The plan as Task Master data; `states` maps effort ids to their recorded state."""
    states = states or {}
    number: dict[str, int] = {}
    for x in plan.external:
        number[x.id] = len(number) + 1
    for e in plan.efforts:
        number[e.id] = len(number) + 1
    tasks: list[dict[str, Any]] = []
    for x in plan.external:
        tasks.append(
            {
                "id": number[x.id],
                "title": x.title or x.id,
                "description": "Prerequisite finished outside this plan.",
                "details": "",
                "testStrategy": "",
                "priority": "medium",
                "dependencies": [],
                "status": "done" if x.status == "done" else "pending",
                "subtasks": [],
                "phasegate": {"id": x.id, "external": True},
            }
        )
    for e in plan.efforts:
        tasks.append(_task(e, number, states.get(e.id, "pending")))
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    ours: dict[str, Any] = {"project": plan.project, "units": plan.units}
    if plan.phases:
        ours["phases"] = [
            {
                "id": p.id,
                "title": p.title,
                **({"after": list(p.after)} if p.after is not None else {}),
            }
            for p in plan.phases
        ]
    metadata = {
        "created": now,
        "updated": now,
        "description": f"Exported from the phasegate plan {plan.project}",
        "phasegate": ours,
    }
    return {tag: {"tasks": tasks, "metadata": metadata}}


def _task(e: Effort, number: dict[str, int], state: str) -> dict[str, Any]:
    checks = [c.label for c in e.checks]
    strategy = []
    if e.deliverables:
        strategy.append("Deliverables: " + "; ".join(e.deliverables) + ".")
    if checks:
        strategy.append("Checks: " + "; ".join(checks) + ".")
    ours: dict[str, Any] = {"id": e.id, "size": e.size}
    if e.phase:
        ours["phase"] = e.phase
    if e.branch:
        ours["branch"] = e.branch
    if e.wave is not None:
        ours["wave"] = e.wave
    for key in ("files", "reviewers", "deliverables"):
        if getattr(e, key):
            ours[key] = list(getattr(e, key))
    if e.estimate is not None:
        ours["estimate"] = e.estimate.model_dump(exclude_none=True)
    task: dict[str, Any] = {
        "id": number[e.id],
        "title": e.title or e.id,
        "description": e.description,
        "details": e.notes,
        "testStrategy": " ".join(strategy),
        "priority": e.priority,
        "dependencies": [number[d] for d in e.depends_on if d in number],
        "status": _STATUS.get(state, "pending"),
        "subtasks": [],
        "phasegate": ours,
    }
    if e.owner:
        task["assignee"] = e.owner
    return task
