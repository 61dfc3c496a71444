"""Plan -> Task Master `tasks.json` (tagged layout), so a team can go back.

Task Master numbers its tasks: an effort or prerequisite whose id is a number keeps it, the
others get the next free numbers in plan order. An effort `P.N` that its effort `P` rolls up
(P depends on it, as an import of Task Master subtasks has it) goes back as subtask N of P.
A `phasegate` block on each task and in the tag's metadata keeps what Task Master has no
field for (the plan id, size, phase, branch, files, the exact state), which makes the trip
back to a plan lossless for ids, states and the graph. Task Master ignores those blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from phasegate.plan.model import Effort, Plan

# phasegate state -> Task Master status; the exact state rides along in the phasegate block.
STATUS_OUT = {
    "pending": "pending",
    "ready": "pending",
    "running": "in-progress",
    "checking": "review",
    "done": "done",
    "failed": "in-progress",
    "rejected": "review",
    "conflicted": "blocked",
    "blocked": "blocked",
    "cancelled": "cancelled",
    "rework": "in-progress",
}


def _numbers(ids: list[str]) -> dict[str, int]:
    """Task numbers: a numeric id keeps its number; the others take the next free ones."""
    number: dict[str, int] = {}
    for i in ids:
        if _whole(i) and int(i) not in number.values():
            number[i] = int(i)
    nxt = max(number.values(), default=0)
    for i in ids:
        if i not in number:
            nxt += 1
            number[i] = nxt
    return number


def _whole(text: str) -> bool:
    """A task number as Task Master writes it: 1, 2, ... (not 0, not 007)."""
    return text.isdigit() and text == str(int(text)) and int(text) > 0


def subtask_parent(plan: Plan) -> dict[str, str]:
    """Effort `P.N` -> `P` where effort P rolls up P.N (depends on it): a Task Master subtask."""
    ids = {e.id for e in plan.efforts}
    out: dict[str, str] = {}
    for e in plan.efforts:
        parent, dot, n = e.id.rpartition(".")
        if dot and _whole(n) and parent in ids and e.id in plan.effort(parent).depends_on:
            out[e.id] = parent
    # Task Master nests one level: a subtask of a subtask stays a task of its own.
    return {c: p for c, p in out.items() if p not in out}


def to_taskmaster(
    plan: Plan, tag: str = "master", states: dict[str, str] | None = None
) -> dict[str, Any]:
    """The plan as Task Master data; `states` maps effort ids to their recorded state."""
    states = states or {}
    parent = subtask_parent(plan)
    tops = [x.id for x in plan.external] + [e.id for e in plan.efforts if e.id not in parent]
    number = _numbers(tops)
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
    by_id = {t["phasegate"]["id"]: t for t in tasks}
    for e in plan.efforts:
        if e.id in parent:
            continue
        t = _task(e, number, parent, states.get(e.id, "pending"))
        by_id[e.id] = t
        tasks.append(t)
    for e in plan.efforts:
        p = parent.get(e.id)
        if p is not None:
            sub = _task(e, number, parent, states.get(e.id, "pending"))
            sub["id"] = int(e.id.rpartition(".")[2])
            by_id[p]["subtasks"].append(sub)
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


def _ref(dep: str, number: dict[str, int], parent: dict[str, str], me: str) -> int | str:
    """How Task Master writes a dependency: a number, a sibling subtask's number, or the
    dotted `task.subtask` of another task's subtask."""
    p = parent.get(dep)
    if p is None:
        return number[dep]
    n = int(dep.rpartition(".")[2])
    return n if parent.get(me) == p else f"{number[p]}.{n}"


def _task(e: Effort, number: dict[str, int], parent: dict[str, str], state: str) -> dict[str, Any]:
    checks = [c.label for c in e.checks]
    strategy = []
    if e.deliverables:
        strategy.append("Deliverables: " + "; ".join(e.deliverables) + ".")
    if checks:
        strategy.append("Checks: " + "; ".join(checks) + ".")
    # The exact dependencies: a subtask without any would otherwise inherit its parent's.
    ours: dict[str, Any] = {"id": e.id, "size": e.size, "state": state,
                            "depends_on": list(e.depends_on)}  # fmt: skip
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
    # A parent's subtasks are its subtasks, not dependencies, in Task Master's eyes.
    deps = [d for d in e.depends_on if parent.get(d) != e.id]
    task: dict[str, Any] = {
        "id": number.get(e.id, 0),
        "title": e.title or e.id,
        "description": e.description,
        "details": e.notes,
        "testStrategy": " ".join(strategy),
        "priority": e.priority,
        "dependencies": [_ref(d, number, parent, e.id) for d in deps if d in number or d in parent],
        "status": STATUS_OUT.get(state, "pending"),
        "subtasks": [],
        "phasegate": ours,
    }
    if e.owner:
        task["assignee"] = e.owner
    return task
