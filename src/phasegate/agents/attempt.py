"""The engine's two calls into the adapters: how an attempt's agent starts, and what it
spent, read from its log once it has exited."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.agents import adapter
from phasegate.agents.base import Context, Invocation

if TYPE_CHECKING:
    from phasegate.engine.workspace import Workspace
    from phasegate.plan.model import Effort, Plan
    from phasegate.store import Store

# Logs past this size are read from their end: a result object or cost line is near it.
_MAX_LOG = 32 * 1024 * 1024


def kind_of(plan: Plan, effort: Effort) -> str:
    """An effort with a command of its own runs that command, whatever kind the plan uses."""
    return "command" if effort.command is not None else plan.agents.kind


def context(
    plan: Plan,
    effort: Effort,
    attempt: int,
    ws: Workspace,
    budget_left: float | None,
    env: dict[str, str] | None = None,
) -> Context:
    writable: tuple[Path, ...] = (ws.state_dir,)
    if ws.repo is not None:
        writable += (ws.repo / ".git",)
    return Context(
        agents=plan.agents,
        effort=effort,
        attempt=attempt,
        brief=ws.brief(effort.id, attempt),
        env=env if env is not None else ws.agent_env(effort, attempt),
        files=ws.state_dir / "agents",
        budget_left=budget_left,
        writable=writable,
        command=effort.command if effort.command is not None else plan.agents.command,
    )


def invocation(
    plan: Plan, effort: Effort, attempt: int, ws: Workspace, store: Store, env: dict[str, str]
) -> Invocation:
    """The attempt's argv and environment (`env`, plus what the agent needs); a Claude
    attempt gets what is left of its budget."""
    kind = kind_of(plan, effort)
    left = None
    if kind == "claude":
        from phasegate.service.budget import left_for

        left = left_for(plan, effort.id, store)
    ctx = context(plan, effort, attempt, ws, left, env)
    return adapter(kind).invocation(ctx)


def usage_item(plan: Plan, effort: Effort, attempt: int, ws: Workspace) -> dict[str, Any] | None:
    """The `agent.usage` event of the attempt, from its log; None when the agent's output
    says nothing of what it used (a plain command, or an agent that died first)."""
    kind = kind_of(plan, effort)
    log = ws.log(effort.id, attempt)
    try:
        with open(log, "rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - _MAX_LOG))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    ctx = context(plan, effort, attempt, ws, None, {})
    usage = adapter(kind).usage(text, ctx)
    if usage is None:
        return None
    data = {"kind": kind, **usage.priced(plan.agents).event_data()}
    return {"kind": "agent.usage", "effort": effort.id, "attempt": attempt,
            "key": f"usage:{effort.id}:{attempt}", "data": data}  # fmt: skip
