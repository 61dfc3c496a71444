"""Any command (`agents.kind: command`, the default): the plan's `command`, run as written.

A string runs through `/bin/sh -c`, a list runs as it is; the agent finds its brief and
effort in the PHASEGATE_* variables. phasegate knows nothing of its output, so what it
spends is what it reports itself (`phasegate report --cost`).
"""

from __future__ import annotations

from phasegate.agents.base import Context, Invocation, Usage
from phasegate.proc import shell_argv


class Command:
    kind = "command"
    program = "sh"

    def invocation(self, ctx: Context) -> Invocation:
        assert ctx.command is not None  # checked before the run starts
        return Invocation([*shell_argv(ctx.command), *ctx.agents.flags], dict(ctx.env))

    def usage(self, log: str, ctx: Context) -> Usage | None:
        return None
