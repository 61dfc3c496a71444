"""Where an attempt's agent runs: on this machine, or on `phasegate worker`s via Temporal.

The engine asks its executor for each attempt; what follows the agent (recording, merging
in dependency order, gating) stays with the engine, whatever executed the agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from phasegate.engine.attempt import Attempt, Shared
    from phasegate.plan.model import Effort, Plan


class Running(Protocol):
    """An attempt's agent at work, wherever it runs: what an interruption or a budget needs."""

    def stop(self, grace: float) -> None:
        """Ask it to stop; what is left after `grace` seconds is killed."""

    def kill(self) -> None:
        """Kill it now."""


class Executor(Protocol):
    kind: str

    def attempt(self, sh: Shared, effort: Effort) -> Attempt:
        """The attempt object whose `start` / `resume` carries the effort to its end."""

    async def open(self, sh: Shared) -> None:
        """Before the first attempt: connect, publish what remote machines need."""

    async def close(self) -> None: ...


def executor_for(plan: Plan) -> Executor:
    if plan.executor.kind == "temporal":
        from phasegate.executors.temporal import TemporalExecutor

        return TemporalExecutor(plan)
    from phasegate.executors.local import LocalExecutor

    return LocalExecutor()
