"""Just enough of the OpenAI Responses API (streaming), as Codex CLI speaks it."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any

from .conversation import position, responses_turns
from .script import Book
from .shell import command_of

_ids = count(1)


def _function_names(body: dict[str, Any]) -> list[str]:
    return [t.get("name", "") for t in body.get("tools", []) if isinstance(t, dict)]


def _found_tools(body: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """(namespace, tool) a tool search brought in: Codex defers MCP tools behind it."""
    found: list[tuple[str | None, dict[str, Any]]] = []
    for it in body.get("input", []) if isinstance(body.get("input"), list) else []:
        if not (isinstance(it, dict) and it.get("type") == "tool_search_output"):
            continue
        for t in it.get("tools", []):
            if isinstance(t, dict) and t.get("type") == "namespace":
                found += [(t.get("name"), x) for x in t.get("tools", []) if isinstance(x, dict)]
            elif isinstance(t, dict):
                found.append((None, t))
    return found


def _searches(body: dict[str, Any]) -> int:
    items = body.get("input", [])
    if not isinstance(items, list):
        return 0
    return sum(1 for it in items if isinstance(it, dict) and it.get("type") == "tool_search_call")


def _shell_call(cmd: str, names: list[str]) -> tuple[str, dict[str, Any]]:
    """The client's shell tool and its arguments: the tool's name and shape vary by version."""
    if "shell_command" in names:
        return "shell_command", {"command": cmd}
    if "exec_command" in names:
        return "exec_command", {"cmd": cmd}
    return "shell", {"command": ["bash", "-lc", cmd]}


def _call(step: dict[str, Any], names: list[str]) -> tuple[str, dict[str, Any]] | str:
    """(tool, arguments) for a step the client should carry out, else the text to answer."""
    if "write" in step or "run" in step or "edit" in step:
        return _shell_call(command_of(step), names)
    if "mcp" in step:
        wanted = str(step["mcp"])
        found = next((t for t in names if t == wanted or t.endswith("__" + wanted)), None)
        if found is None:
            return f"the tool {wanted} was not offered"
        return found, dict(step.get("arguments", {}))
    return str(step.get("text", "done"))


# An MCP server still starting is not found by the search; a model would look again.
SEARCHES, SEARCH_PAUSE = 15, 1.0


def _deferred_call(step: dict[str, Any], body: dict[str, Any], n: int) -> dict[str, Any] | None:
    """The item for an MCP step whose tool must first be found with Codex's `tool_search`."""
    wanted = str(step.get("mcp", ""))
    if not wanted or wanted in _function_names(body):
        return None
    for namespace, t in _found_tools(body):
        name = str(t.get("name", ""))
        if name == wanted or name.endswith("__" + wanted):
            item = {"type": "function_call", "id": f"fc_{n:04d}", "call_id": f"call_{n:04d}",
                    "name": name, "arguments": json.dumps(step.get("arguments", {})),
                    "status": "completed"}  # fmt: skip
            if namespace:
                item["namespace"] = namespace
            return item
    types = [t.get("type") for t in body.get("tools", []) if isinstance(t, dict)]
    searched = _searches(body)
    if "tool_search" in types and searched < SEARCHES:
        if searched:
            time.sleep(SEARCH_PAUSE)
        return {"type": "tool_search_call", "id": f"ts_{n:04d}", "call_id": f"search_{n:04d}",
                "execution": "client", "status": "completed",
                "arguments": {"query": wanted, "limit": 8}}  # fmt: skip
    return None


def item_for(step: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    n = next(_ids)
    deferred = _deferred_call(step, body, n)
    if deferred is not None:
        return deferred
    call = _call(step, _function_names(body))
    if isinstance(call, str):
        return {"type": "message", "id": f"msg_{n:04d}", "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": call, "annotations": []}]}  # fmt: skip
    return {"type": "function_call", "id": f"fc_{n:04d}", "call_id": f"call_{n:04d}",
            "name": call[0], "arguments": json.dumps(call[1]), "status": "completed"}  # fmt: skip


def _sse(data: dict[str, Any]) -> str:
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n"


def reply(book: Book, body: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    """(content type, body, the step played) for one POST /v1/responses."""
    if body.get("tools"):
        text, calls, _ = position(book, responses_turns(body))
        step = book.step(text, calls)
    else:
        step = {"text": "ok"}
    item = item_for(step, body)
    rid = f"resp_{next(_ids):04d}"
    u = book.usage
    usage = {"input_tokens": u.input, "input_tokens_details": {"cached_tokens": u.cached},
             "output_tokens": u.output, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": u.input + u.output}  # fmt: skip
    base = {"id": rid, "object": "response", "model": body.get("model", "scripted")}
    events = [_sse({"type": "response.created", "response": {**base, "status": "in_progress"}})]
    events.append(_sse({"type": "response.output_item.added", "output_index": 0, "item": item}))
    if item["type"] == "message":
        events.append(_sse({"type": "response.output_text.delta", "output_index": 0,
                            "content_index": 0, "item_id": item["id"],
                            "delta": item["content"][0]["text"]}))  # fmt: skip
    events.append(_sse({"type": "response.output_item.done", "output_index": 0, "item": item}))
    done = {**base, "status": "completed", "output": [item], "usage": usage}
    events.append(_sse({"type": "response.completed", "response": done}))
    if not body.get("stream", False):
        return "application/json", json.dumps(done).encode(), step
    return "text/event-stream", "".join(events).encode(), step
