"""What the scripted model says: a list of scripts, each chosen by text in the conversation.

A script is a sequence of steps. The server is stateless about conversations: the step to
play is the number of tool calls the client already sent back, so a retry (a fresh
conversation) starts again at step 0 and several agents can share one server.

Steps (one dict each):
  {"write": "rel/path", "content": "..."}   create or overwrite a file
  {"edit": "rel/path", "search": "...", "replace": "..."}   change part of an existing file
  {"run": "shell command"}                    run a command through the agent's shell tool
  {"mcp": "report_progress", "arguments": {...}}   call an MCP tool (matched by name suffix)
  {"text": "..."}                             the final answer; ends the turn
  {"sleep": seconds}                          answer nothing for that long (a hung model)
A script's last step should be a text step; past the end the server answers with "done".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Usage:
    """Token counts returned with every scripted response."""

    input: int = 1000
    output: int = 100
    cached: int = 0


@dataclass(frozen=True)
class Script:
    match: tuple[str, ...]
    steps: tuple[dict[str, Any], ...]

    def matches(self, text: str) -> bool:
        return all(m in text for m in self.match)


@dataclass
class Book:
    """Every script the server knows, plus the usage it reports per response."""

    scripts: list[Script] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Book:
        scripts = [
            Script(tuple(s["match"]) if isinstance(s["match"], list) else (s["match"],),
                   tuple(s["steps"]))
            for s in data.get("scripts", [])
        ]  # fmt: skip
        usage = Usage(**data.get("usage", {}))
        return cls(scripts, usage)

    def script_for(self, text: str) -> Script | None:
        for s in self.scripts:
            if s.matches(text):
                return s
        return None

    def step(self, text: str, index: int) -> dict[str, Any]:
        script = self.script_for(text)
        if script is None or index >= len(script.steps):
            return {"text": "done"}
        return script.steps[index]
