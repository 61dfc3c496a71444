"""What the coordinator hands a remote machine for one attempt, and what comes back.

Both travel as plain JSON through Temporal's history, so they hold no secrets: the store's
address is sent, but a worker may use its own (`phasegate worker --db`), and the agent's
token is minted on the worker.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str
    effort: str
    attempt: int
    workflow: str  # the Temporal workflow id, project/effort/attempt@store
    remote: str
    base: str
    branch: str
    deps: list[tuple[str, str]] = Field(default_factory=list)  # (effort id, branch)
    # Start from the branch as the remote has it (an earlier attempt's work) rather than
    # from the stack: `agents.on_retry: continue`, and first attempts of rework.
    continue_branch: bool = False
    lease: str = ""  # the remote branch's commit when the attempt was handed out ("": none)
    plan_name: str
    plan_text: str
    plan_rel: str  # the plan's directory inside the repository
    db: str
    brief: str
    timeout: float | None = None
    grace: float = 10.0


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    worker: str
    conflict: dict[str, Any] | None = None  # stacking failed: reason, files, branch
    start: str | None = None  # the stacked commit the agent started from
    tip: str | None = None  # the branch after the agent (its leftovers committed)
    own_changes: bool = False  # the branch holds work beyond its stack (new or continued)
    pushed: bool = False
    push_refused: str = ""
    exit_code: int | None = None
    duration: float = 0.0
    timed_out: bool = False
    stopped: bool = False  # stopped on the coordinator's request (a stop, a budget)
    checks: list[dict[str, Any]] = Field(default_factory=list)  # check.result event data
    usage: dict[str, Any] | None = None  # the agent.usage event, when its output says
    log_tail: str = ""

    @property
    def checks_passed(self) -> bool:
        return all(bool(c.get("passed")) for c in self.checks)


def workflow_id(project: str, effort: str, attempt: int, store_tag: str) -> str:
    """`project/effort/attempt`, and which store's run it is: two stores of one project
    (two teams, a plan started afresh) must never find each other's attempts."""
    return f"{project}/{effort}/{attempt}@{store_tag}"


def store_tag(owner_ts: float, owner: dict[str, Any]) -> str:
    """A short, stable name for one store, from the event that bound it to its plan."""
    import hashlib
    import json

    basis = json.dumps([owner_ts, owner], sort_keys=True, default=str)
    return hashlib.sha256(basis.encode()).hexdigest()[:10]
