"""Just enough of OpenAI chat completions, as Aider speaks it: edits as SEARCH/REPLACE."""

from __future__ import annotations

import json
import time
from itertools import count
from typing import Any

from .conversation import chat_turns, position
from .script import Book

_ids = count(1)


def _system(body: dict[str, Any]) -> str:
    return "\n".join(
        str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system"
    )


def render(steps: list[dict[str, Any]]) -> str:
    """A whole script as one answer: Aider applies every edit block of a reply, then stops."""
    out: list[str] = []
    for s in steps:
        if "write" in s:
            out += [s["write"], "```", "<<<<<<< SEARCH", "=======",
                    str(s["content"]).rstrip("\n"), ">>>>>>> REPLACE", "```", ""]  # fmt: skip
        elif "edit" in s:
            out += [s["edit"], "```", "<<<<<<< SEARCH", str(s["search"]).rstrip("\n"), "=======",
                    str(s["replace"]).rstrip("\n"), ">>>>>>> REPLACE", "```", ""]  # fmt: skip
        elif "run" in s:
            out += ["```bash", str(s["run"]), "```", ""]
        elif "text" in s:
            out += [str(s["text"]), ""]
    return "\n".join(out)


def reply(book: Book, body: dict[str, Any]) -> tuple[str, bytes, dict[str, Any]]:
    """(content type, body, the step played) for one POST /v1/chat/completions."""
    if "commit message" in _system(body):
        step: dict[str, Any] = {"text": "Add the effort's files"}
        content = step["text"]
    else:
        text, _, answers = position(book, chat_turns(body))
        script = book.script_for(text)
        if script is None or answers:
            step = {"text": "done"}
            content = "done"
        else:
            step = {"script": list(script.steps)}
            pause = sum(float(s["sleep"]) for s in script.steps if "sleep" in s)
            if pause:
                step["sleep"] = pause
            content = render(list(script.steps))
    u = book.usage
    usage = {"prompt_tokens": u.input, "completion_tokens": u.output,
             "total_tokens": u.input + u.output,
             "prompt_tokens_details": {"cached_tokens": u.cached}}  # fmt: skip
    cid, created, model = f"chatcmpl-{next(_ids):04d}", int(time.time()), body.get("model", "x")
    if not body.get("stream"):
        full = {"id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": usage}  # fmt: skip
        return "application/json", json.dumps(full).encode(), step
    chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
    parts = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": content},
                               "finish_reason": None}]},
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
         "usage": usage},
    ]  # fmt: skip
    data = "".join(f"data: {json.dumps(p)}\n\n" for p in parts) + "data: [DONE]\n\n"
    return "text/event-stream", data.encode(), step
