"""One view of a request's conversation, whichever API it came through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .script import Book


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant" | "tool" (a tool call the client made on our behalf)
    text: str


def _text_of(content: Any) -> str:
    """The text inside a message's content, whether a string or a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                for key in ("text", "content", "output"):
                    if key in block:
                        parts.append(_text_of(block[key]))
            elif isinstance(block, str):
                parts.append(block)
        return "\n".join(parts)
    return ""


WAIT_FOR_MCP = "WaitForMcpServers"


def _tool_uses(content: Any) -> list[str]:
    if not isinstance(content, list):
        return []
    return [
        b.get("name", "") for b in content if isinstance(b, dict) and b.get("type") == "tool_use"
    ]


def anthropic_turns(body: dict[str, Any]) -> list[Turn]:
    turns = []
    for m in body.get("messages", []):
        content = m.get("content")
        role = m.get("role", "user")
        if role == "assistant" and (names := _tool_uses(content)):
            # Waiting for MCP servers to connect is not a step of the script.
            role = "wait" if set(names) == {WAIT_FOR_MCP} else "tool"
        turns.append(Turn(role, _text_of(content)))
    return turns


def waited_for_mcp(body: dict[str, Any]) -> bool:
    return any(WAIT_FOR_MCP in _tool_uses(m.get("content")) for m in body.get("messages", []))


def responses_turns(body: dict[str, Any]) -> list[Turn]:
    items = body.get("input", [])
    if isinstance(items, str):
        return [Turn("user", items)]
    turns = []
    for it in items:
        kind = it.get("type", "message")
        if kind in ("function_call", "custom_tool_call", "local_shell_call"):
            turns.append(Turn("tool", ""))
        elif kind == "tool_search_call":  # looking for deferred tools is not a step
            turns.append(Turn("wait", ""))
        elif kind == "message":
            turns.append(Turn(it.get("role", "user"), _text_of(it.get("content"))))
        else:  # tool outputs, reasoning
            turns.append(Turn("output", _text_of(it.get("output", ""))))
    return turns


def chat_turns(body: dict[str, Any]) -> list[Turn]:
    turns = []
    for m in body.get("messages", []):
        role = m.get("role", "user")
        if role == "assistant" and m.get("tool_calls"):
            role = "tool"
        turns.append(Turn(role, _text_of(m.get("content"))))
    return turns


def position(book: Book, turns: list[Turn]) -> tuple[str, int, int]:
    """(the user text that chose the script, tool calls made since, plain answers since).

    Few-shot examples and side requests come before or without the brief, so the count
    starts at the first user turn that some script matches (else the first user turn).
    """
    users = [i for i, t in enumerate(turns) if t.role == "user"]
    start = next((i for i in users if book.script_for(turns[i].text)), users[0] if users else 0)
    text = "\n".join(t.text for t in turns[start:] if t.role == "user")
    calls = sum(1 for t in turns[start + 1 :] if t.role == "tool")
    answers = sum(1 for t in turns[start + 1 :] if t.role == "assistant")
    return text, calls, answers


def working_directory(system: Any) -> str | None:
    """The agent's working directory, as Claude Code's system prompt states it."""
    m = re.search(r"Working directory: (\S+)", _text_of(system))
    return m.group(1) if m else None
