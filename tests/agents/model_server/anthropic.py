"""Just enough of the Anthropic Messages API: streaming (named SSE events) and plain JSON."""

from __future__ import annotations

import json
import os
from itertools import count
from typing import Any

from .conversation import (
    WAIT_FOR_MCP,
    anthropic_turns,
    position,
    waited_for_mcp,
    working_directory,
)
from .script import Book, Usage
from .shell import command_of

_ids = count(1)


def _tool_names(body: dict[str, Any]) -> list[str]:
    return [t.get("name", "") for t in body.get("tools", []) if isinstance(t, dict)]


def blocks_for(step: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    """The content blocks that carry out one step with the tools the client offered."""
    names = _tool_names(body)
    n = next(_ids)
    if "write" in step:
        path = str(step["write"])
        cwd = working_directory(body.get("system"))
        if cwd and not os.path.isabs(path):
            path = os.path.join(cwd, path)
        return [{"type": "tool_use", "id": f"toolu_{n:04d}", "name": "Write",
                 "input": {"file_path": path, "content": step["content"]}}]  # fmt: skip
    if "run" in step or "edit" in step:
        # Claude Code's own Edit tool wants the file read first in the same session.
        return [{"type": "tool_use", "id": f"toolu_{n:04d}", "name": "Bash",
                 "input": {"command": command_of(step), "description": "Run a command"}}]  # fmt: skip
    if "mcp" in step:
        wanted = str(step["mcp"])
        name = next((t for t in names if t == wanted or t.endswith("__" + wanted)), None)
        if name is None and WAIT_FOR_MCP in names and not waited_for_mcp(body):
            # Claude Code connects MCP servers in the background; their tools join the list
            # once the model has waited for them.
            return [{"type": "tool_use", "id": f"toolu_{n:04d}", "name": WAIT_FOR_MCP,
                     "input": {}}]  # fmt: skip
        if name is None:
            return [{"type": "text", "text": f"the tool {wanted} was not offered"}]
        return [{"type": "tool_use", "id": f"toolu_{n:04d}", "name": name,
                 "input": step.get("arguments", {})}]  # fmt: skip
    return [{"type": "text", "text": str(step.get("text", "done"))}]


def _usage(u: Usage, output: int) -> dict[str, int]:
    return {"input_tokens": u.input, "output_tokens": output,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": u.cached}  # fmt: skip


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def reply(book: Book, body: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    """(content type, body, the step played) for one POST /v1/messages."""
    if body.get("tools"):
        text, calls, _ = position(book, anthropic_turns(body))
        step = book.step(text, calls)
    else:  # titles, summaries and other side requests: no script, a short answer
        step = {"text": "ok"}
    blocks = blocks_for(step, body)
    stop = "tool_use" if blocks[-1]["type"] == "tool_use" else "end_turn"
    message = {"id": f"msg_{next(_ids):04d}", "type": "message", "role": "assistant",
               "model": body.get("model", "scripted"), "stop_sequence": None}  # fmt: skip
    if not body.get("stream"):
        full = {**message, "content": blocks, "stop_reason": stop,
                "usage": _usage(book.usage, book.usage.output)}  # fmt: skip
        return "application/json", json.dumps(full).encode(), step
    events = [_sse("message_start", {"type": "message_start", "message": {
        **message, "content": [], "stop_reason": None, "usage": _usage(book.usage, 1)}})]  # fmt: skip
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": b["text"]}
        else:
            start = {**b, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(b["input"])}
        events.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": i, "content_block": start},
            )
        )
        events.append(
            _sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta})
        )
        events.append(_sse("content_block_stop", {"type": "content_block_stop", "index": i}))
    events.append(_sse("message_delta", {"type": "message_delta",
                  "delta": {"stop_reason": stop, "stop_sequence": None},
                  "usage": {"output_tokens": book.usage.output}}))  # fmt: skip
    events.append(_sse("message_stop", {"type": "message_stop"}))
    return "text/event-stream", "".join(events).encode(), step
