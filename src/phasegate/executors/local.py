"""The local executor: each agent is a child process group of this engine (engine/supervisor)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasegate.engine.attempt import Attempt

if TYPE_CHECKING:
    from phasegate.engine.attempt import Shared
    from phasegate.plan.model import Effort


class LocalExecutor:
    kind = "local"

    def attempt(self, sh: Shared, effort: Effort) -> Attempt:
        return Attempt(sh, effort)

    async def open(self, sh: Shared) -> None:
        return None

    async def close(self) -> None:
        return None
