"""Agents: one adapter per kind of agent CLI (`agents.kind`), and the agents phasegate ships
(`python -m phasegate.agents.person`, `python -m phasegate.agents.scripted`).

`adapter(kind)` gives the adapter; `phasegate.agents.attempt` is what the engine calls to
start an attempt's agent and to record what it spent.
"""

from __future__ import annotations

from phasegate.agents.base import Adapter

KINDS = ("claude", "codex", "aider", "person", "scripted", "command")


def adapter(kind: str) -> Adapter:
    if kind == "claude":
        from phasegate.agents.claude import Claude

        return Claude()
    if kind == "codex":
        from phasegate.agents.codex import Codex

        return Codex()
    if kind == "aider":
        from phasegate.agents.aider import Aider

        return Aider()
    if kind == "person":
        from phasegate.agents.person import Person

        return Person()
    if kind == "scripted":
        from phasegate.agents.scripted import Scripted

        return Scripted()
    from phasegate.agents.command import Command

    return Command()
