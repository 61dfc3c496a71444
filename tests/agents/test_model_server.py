"""The scripted model server over plain HTTP: each API's wire format, the script's steps in
order, usage numbers, and the request log."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from agents.model_server import Book, ModelServer

BOOK = {
    "scripts": [
        {"match": ["Effort api", "Attempt 2"], "steps": [{"text": "second try"}]},
        {
            "match": "Effort api",
            "steps": [
                {"write": "done/api.txt", "content": "api\n"},
                {"run": "test -f done/api.txt"},
                {"mcp": "report_progress", "arguments": {"task_done": "API"}},
                {"text": "finished"},
            ],
        },
    ],
    "usage": {"input": 1200, "output": 80, "cached": 300},
}


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with ModelServer(Book.from_json(BOOK), tmp_path / "log.jsonl") as s:
        yield s


def post(server: ModelServer, path: str, body: dict[str, Any]) -> tuple[str, str]:
    req = urllib.request.Request(
        server.url + path, json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": "Bearer secret"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers["Content-Type"], r.read().decode()


def sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for chunk in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in chunk.splitlines())
        if lines.get("data") != "[DONE]":
            out.append((lines.get("event", ""), json.loads(lines["data"])))
    return out


CLAUDE_TOOLS = [{"name": n, "input_schema": {}} for n in ("Bash", "Write", "Read")] + [
    {"name": "mcp__phasegate__report_progress", "input_schema": {}}
]


def claude(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    system = [{"type": "text", "text": "Here is useful information\nWorking directory: /w/api"}]
    return {"model": "m", "stream": True, "system": system, "tools": CLAUDE_TOOLS,
            "messages": messages, **extra}  # fmt: skip


def test_anthropic_plays_the_script_one_tool_use_per_turn(server: ModelServer) -> None:
    history: list[dict[str, Any]] = [{"role": "user", "content": "# Effort api: API\nAttempt 1."}]
    seen = []
    for _ in range(5):
        ctype, text = post(server, "/v1/messages?beta=true", claude(history))
        assert ctype == "text/event-stream"
        events = sse(text)
        assert events[0][0] == "message_start"
        assert events[-1][0] == "message_stop"
        assert all(e == d["type"] for e, d in events)
        start = events[0][1]["message"]
        assert start["usage"]["input_tokens"] == 1200
        assert start["usage"]["cache_read_input_tokens"] == 300
        delta = next(d for e, d in events if e == "message_delta")
        assert delta["usage"]["output_tokens"] == 80
        block = next(d["content_block"] for e, d in events if e == "content_block_start")
        if block["type"] == "text":
            text_delta = next(d["delta"]["text"] for e, d in events if e == "content_block_delta")
            seen.append(("text", text_delta))
            assert delta["delta"]["stop_reason"] == "end_turn"
            break
        args = json.loads(next(d["delta"]["partial_json"] for e, d in events
                               if e == "content_block_delta"))  # fmt: skip
        assert delta["delta"]["stop_reason"] == "tool_use"
        seen.append((block["name"], args))
        history += [
            {"role": "assistant", "content": [{**block, "input": args}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block["id"],
                                          "content": "ok"}]},
        ]  # fmt: skip
    assert seen == [
        ("Write", {"file_path": "/w/api/done/api.txt", "content": "api\n"}),
        ("Bash", {"command": "test -f done/api.txt", "description": "Run a command"}),
        ("mcp__phasegate__report_progress", {"task_done": "API"}),
        ("text", "finished"),
    ]


def test_anthropic_other_requests(server: ModelServer) -> None:
    # A retry's brief picks the first matching script; without streaming it is plain JSON.
    body = claude([{"role": "user", "content": "# Effort api\nAttempt 2."}], stream=False)
    ctype, text = post(server, "/v1/messages", body)
    msg = json.loads(text)
    assert ctype == "application/json"
    assert msg["content"] == [{"type": "text", "text": "second try"}]
    assert msg["usage"]["output_tokens"] == 80
    # A side request without tools (a title, a summary) gets a short answer, not the script.
    no_tools = {"model": "m", "messages": [{"role": "user", "content": "# Effort api"}]}
    assert json.loads(post(server, "/v1/messages", no_tools)[1])["content"][0]["text"] == "ok"
    # An MCP tool that was not offered is said so, rather than called.
    without_mcp = claude([{"role": "user", "content": "Effort api"}] + [
        {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "Bash",
                                           "input": {}}]} for i in range(2)
    ], stream=False, tools=CLAUDE_TOOLS[:3])  # fmt: skip
    got = json.loads(post(server, "/v1/messages", without_mcp)[1])["content"][0]
    assert got == {"type": "text", "text": "the tool report_progress was not offered"}


def codex(items: list[dict[str, Any]]) -> dict[str, Any]:
    tools = [{"type": "function", "name": n} for n in ("exec_command", "write_stdin")]
    tools.append({"type": "function", "name": "mcp__phasegate__report_progress"})
    return {"model": "m", "stream": True, "tools": tools, "input": items}


def test_responses_plays_the_script_through_the_shell_tool(server: ModelServer) -> None:
    items: list[dict[str, Any]] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text",
                                                         "text": "# Effort api"}]},
    ]  # fmt: skip
    calls = []
    while True:
        ctype, text = post(server, "/v1/responses", codex(items))
        assert ctype == "text/event-stream"
        events = sse(text)
        assert events[0][0] == "response.created"
        assert events[-1][0] == "response.completed"
        usage = events[-1][1]["response"]["usage"]
        assert (usage["input_tokens"], usage["output_tokens"]) == (1200, 80)
        assert usage["input_tokens_details"]["cached_tokens"] == 300
        item = next(d["item"] for e, d in events if e == "response.output_item.done")
        if item["type"] == "message":
            assert item["content"][0]["text"] == "finished"
            break
        calls.append((item["name"], json.loads(item["arguments"])))
        items += [item, {"type": "function_call_output", "call_id": item["call_id"],
                         "output": "ok"}]  # fmt: skip
    assert calls[0][0] == "exec_command"
    assert calls[0][1]["cmd"] == "mkdir -p done && printf %s 'api\n' > done/api.txt"
    assert calls[1] == ("exec_command", {"cmd": "test -f done/api.txt"})
    assert calls[2] == ("mcp__phasegate__report_progress", {"task_done": "API"})


def test_chat_answers_with_edit_blocks_then_a_commit_message(server: ModelServer) -> None:
    examples = [{"role": "user", "content": "example"}, {"role": "assistant", "content": "ex"}]
    body = {"model": "gpt-4o", "messages": [{"role": "system", "content": "You edit code."},
            *examples, {"role": "user", "content": "# Effort api: API"}]}  # fmt: skip
    ctype, text = post(server, "/v1/chat/completions", body)
    answer = json.loads(text)
    assert ctype == "application/json"
    content = answer["choices"][0]["message"]["content"]
    assert "done/api.txt\n```\n<<<<<<< SEARCH\n=======\napi\n>>>>>>> REPLACE\n```" in content
    assert "```bash\ntest -f done/api.txt\n```" in content
    assert content.rstrip().endswith("finished")
    assert answer["usage"]["prompt_tokens"] == 1200
    assert answer["usage"]["completion_tokens"] == 80
    # The script has been answered once: a reflection gets a plain "done".
    body["messages"] += [{"role": "assistant", "content": content},
                         {"role": "user", "content": "fix it"}]  # fmt: skip
    assert json.loads(post(server, "/v1/chat/completions", body)[1])["choices"][0][
        "message"]["content"] == "done"  # fmt: skip
    commit = {"model": "w", "stream": True, "messages": [
        {"role": "system", "content": "Generate a one-line Git commit message."},
        {"role": "user", "content": "diff"}]}  # fmt: skip
    chunks = sse(post(server, "/v1/chat/completions", commit)[1])
    assert chunks[0][1]["choices"][0]["delta"]["content"] == "Add the effort's files"
    assert chunks[-1][1]["usage"]["completion_tokens"] == 80


def test_every_request_is_logged_without_credentials(server: ModelServer, tmp_path: Path) -> None:
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(server.url + "/", method="HEAD"))
    assert e.value.code == 404
    post(server, "/v1/messages?beta=true", claude([{"role": "user", "content": "nothing"}]))
    logged = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert logged == server.requests
    assert [(r["method"], r["path"], r["status"]) for r in logged] == [
        ("HEAD", "/", 404), ("POST", "/v1/messages", 200)]  # fmt: skip
    assert logged[1]["query"] == "beta=true"
    assert logged[1]["body"]["messages"][0]["content"] == "nothing"
    assert logged[1]["step"] == {"text": "done"}  # no script matched
    assert "authorization" not in logged[1]["headers"]
    assert server.calls("/v1/messages") == [logged[1]]
    assert server.port > 0 and server.url.startswith("http://127.0.0.1:")


def test_edits_and_a_hung_model(tmp_path: Path) -> None:
    book = Book.from_json({"scripts": [
        {"match": "edit", "steps": [{"edit": "v.txt", "search": "wrong", "replace": "right"},
                                    {"text": "fixed"}]},
        {"match": "hang", "steps": [{"sleep": 0.5}]},
    ]})  # fmt: skip
    with ModelServer(book) as server:
        chat = {"model": "m", "messages": [{"role": "user", "content": "edit"}]}
        content = json.loads(post(server, "/v1/chat/completions", chat)[1])["choices"][0]
        assert (
            "v.txt\n```\n<<<<<<< SEARCH\nwrong\n=======\nright\n>>>>>>> REPLACE\n```"
            in (content["message"]["content"])
        )
        # Through a shell tool the edit is a command that really does it.
        body = claude([{"role": "user", "content": "edit"}], stream=False)
        cmd = json.loads(post(server, "/v1/messages", body)[1])["content"][0]["input"]["command"]
        (tmp_path / "v.txt").write_text("a wrong answer\n")
        subprocess.run(cmd, shell=True, cwd=tmp_path, check=True)
        assert (tmp_path / "v.txt").read_text() == "a right answer\n"
        # A hung model is logged as soon as it is asked, then answers after the pause.
        t = threading.Thread(target=post, args=(server, "/v1/chat/completions",
                             {"model": "m", "messages": [{"role": "user", "content": "hang"}]}))  # fmt: skip
        t.start()
        deadline = time.monotonic() + 5
        while len(server.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.requests[-1]["step"]["sleep"] == 0.5
        assert t.is_alive()
        t.join(5)
        assert not t.is_alive()


def test_claude_waits_once_for_mcp_servers_still_connecting(server: ModelServer) -> None:
    tools = [*CLAUDE_TOOLS[:3], {"name": "WaitForMcpServers", "input_schema": {}}]
    calls = [{"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "Bash",
                                                "input": {}}]} for i in range(2)]  # fmt: skip
    history = [{"role": "user", "content": "Effort api"}, *calls]
    got = json.loads(post(server, "/v1/messages", claude(history, stream=False, tools=tools))[1])
    assert got["content"][0]["name"] == "WaitForMcpServers"
    # The wait is not a step: once the tool is there, the script's MCP call comes next.
    history.append({"role": "assistant", "content": [got["content"][0]]})
    got = json.loads(post(server, "/v1/messages", claude(history, stream=False))[1])
    assert got["content"][0]["name"] == "mcp__phasegate__report_progress"
    # A server that never connects is waited for once, then said so.
    got = json.loads(post(server, "/v1/messages", claude(history, stream=False, tools=tools))[1])
    assert got["content"][0]["text"] == "the tool report_progress was not offered"


def test_codex_finds_a_deferred_mcp_tool_with_tool_search(server: ModelServer) -> None:
    body = codex([{"type": "message", "role": "user", "content": "Effort api"}])
    body["tools"] = [{"type": "function", "name": "exec_command"}, {"type": "tool_search"}]
    body["input"] += [{"type": "function_call", "call_id": f"c{i}"} for i in range(2)]
    events = sse(post(server, "/v1/responses", body)[1])
    search = next(d["item"] for e, d in events if e == "response.output_item.done")
    assert search["type"] == "tool_search_call"
    assert search["arguments"] == {"query": "report_progress", "limit": 8}
    # The search is not a step; what it found is called, in its namespace.
    found = {"type": "namespace", "name": "mcp__phasegate",
             "tools": [{"type": "function", "name": "report_progress"}]}  # fmt: skip
    body["input"] += [search, {"type": "tool_search_output", "call_id": search["call_id"],
                               "tools": [found]}]  # fmt: skip
    events = sse(post(server, "/v1/responses", body)[1])
    call = next(d["item"] for e, d in events if e == "response.output_item.done")
    assert (call["type"], call["name"], call["namespace"]) == (
        "function_call", "report_progress", "mcp__phasegate")  # fmt: skip
    assert json.loads(call["arguments"]) == {"task_done": "API"}
