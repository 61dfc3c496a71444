"""Each agent adapter, run by `phasegate run` against a stand-in executable that prints what
the real tool documents (Claude Code's JSON result, Codex's JSONL events, Aider's cost
lines), with the usage and cost stored and shown by `status` and `phasegate costs`."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import git, init_repo, run_phasegate

# Records what it was started with, does the effort's work, and prints OUTPUT.
STAND_IN = """#!{python}
import json, os, pathlib, sys
record = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "stdin": sys.stdin.read(),
          "stdin_path": os.readlink("/proc/self/fd/0"),
          "env": {{k: v for k, v in os.environ.items() if k.startswith("PHASEGATE_")}}}}
if "--mcp-config" in sys.argv:
    record["mcp"] = json.loads(pathlib.Path(sys.argv[sys.argv.index("--mcp-config") + 1]).read_text())
if "--message-file" in sys.argv:
    record["message"] = pathlib.Path(sys.argv[sys.argv.index("--message-file") + 1]).read_text()
with open(os.environ["STAND_IN_RECORD"], "a") as f:
    f.write(json.dumps(record) + "\\n")
effort = os.environ["PHASEGATE_EFFORT"]
pathlib.Path("done").mkdir(exist_ok=True)
pathlib.Path("done", effort + ".txt").write_text("done\\n")
sys.stdout.write({output!r})
sys.exit(int(os.environ.get("STAND_IN_EXIT", "0")))
"""

CLAUDE_RESULT = json.dumps({
    "type": "result", "subtype": "success", "is_error": False, "duration_ms": 5230,
    "duration_api_ms": 4100, "num_turns": 4, "result": "Wrote done/api.txt; the check passes.",
    "session_id": "5f0c2a1e-7b7d-4c43-9a57-3c2d1e0f9a11", "total_cost_usd": 0.0123,
    "usage": {"input_tokens": 1200, "cache_creation_input_tokens": 300,
              "cache_read_input_tokens": 5000, "output_tokens": 450,
              "server_tool_use": {"web_search_requests": 0}, "service_tier": "standard"},
    "modelUsage": {"claude-sonnet-4-5": {"inputTokens": 1200, "outputTokens": 450,
                                         "cacheReadInputTokens": 5000,
                                         "cacheCreationInputTokens": 300, "costUSD": 0.0123}},
    "permission_denials": [], "uuid": "d1b4c5e6-0000-4000-8000-000000000001",
}) + "\n"  # fmt: skip

CODEX_EVENTS = "".join(json.dumps(e) + "\n" for e in [
    {"type": "thread.started", "thread_id": "0199a213-81c0-7800-8aa1-bbab2a035a53"},
    {"type": "turn.started"},
    {"type": "item.completed", "item": {"id": "item_0", "type": "reasoning",
                                        "text": "**Writing the file**"}},
    {"type": "item.started", "item": {"id": "item_1", "type": "command_execution",
                                      "command": "bash -lc 'test -f done/api.txt'",
                                      "aggregated_output": "", "exit_code": None,
                                      "status": "in_progress"}},
    {"type": "item.completed", "item": {"id": "item_1", "type": "command_execution",
                                        "command": "bash -lc 'test -f done/api.txt'",
                                        "aggregated_output": "", "exit_code": 0,
                                        "status": "completed"}},
    {"type": "item.completed", "item": {"id": "item_2", "type": "file_change",
                                        "changes": [{"path": "done/api.txt", "kind": "add"}],
                                        "status": "completed"}},
    {"type": "item.completed", "item": {"id": "item_3", "type": "agent_message",
                                        "text": "Wrote done/api.txt."}},
    {"type": "turn.completed", "usage": {"input_tokens": 24763, "cached_input_tokens": 24448,
                                         "output_tokens": 122}},
])  # fmt: skip

AIDER_OUTPUT = """Aider v0.86.2
Model: openai/gpt-4o-mini with diff edit format
Git repo: .git with 3 files
Repo-map: disabled

done/api.txt
Tokens: 3.0k sent, 42 received. Cost: $0.0063 message, $0.0063 session.
Applied edit to done/api.txt
Tokens: 1.2k sent, 1.0k cache hit, 15 received. Cost: $0.0012 message, $0.0075 session.
Commit 1a2b3c4 feat: add done/api.txt
"""


def plan(agents: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "project": "adapters",
        "agents": {"timeout": "60s", **agents},
        "efforts": [{
            "id": "api", "title": "Public API", "deliverables": ["the API"],
            "files": ["done/**"], "checks": [{"name": "marker", "run": "test -f done/api.txt"}],
            **extra,
        }],
    }  # fmt: skip


def setup(tmp_path: Path, tool: str, output: str, agents: dict[str, Any],
          **extra: Any) -> tuple[Path, Path]:  # fmt: skip
    repo = init_repo(tmp_path / "repo")
    stand_in = tmp_path / "bin" / tool
    stand_in.parent.mkdir()
    stand_in.write_text(STAND_IN.format(python=sys.executable, output=output))
    stand_in.chmod(0o755)
    doc = plan({"program": str(stand_in), **agents}, **extra)
    (repo / "phasegate.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo, tmp_path / "record.jsonl"


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def usage_events(repo: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(repo / ".phasegate" / "state.db") as c:
        rows = c.execute(
            "SELECT attempt, data FROM events WHERE kind = 'agent.usage' ORDER BY seq"
        ).fetchall()
    return [{"attempt": a, **json.loads(d)} for a, d in rows]


def run(repo: Path, record: Path, **env: str) -> None:
    r = run_phasegate("run", "--plain", cwd=repo, env={"STAND_IN_RECORD": str(record), **env})
    assert r.code == 0, r.out + r.err


def totals_agree(repo: Path, cost: float) -> None:
    st = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    costs = json.loads(run_phasegate("costs", "--json", cwd=repo).out)
    assert st["totals"]["cost"] == costs["total"] == cost
    assert st["efforts"][0]["cost"] == costs["efforts"][0]["cost"] == cost
    assert [a["cost"] for a in st["efforts"][0]["attempts_cost"]] == [cost]
    for by in ("effort", "phase", "agent", "day"):
        rows = json.loads(run_phasegate("costs", "--json", "--by", by, cwd=repo).out)["rows"]
        assert round(sum(r["cost"] for r in rows), 6) == cost, (by, rows)


def test_claude_adapter(tmp_path: Path) -> None:
    repo, record = setup(
        tmp_path, "claude", CLAUDE_RESULT,
        {"kind": "claude", "model": "claude-sonnet-4-5", "flags": ["--max-turns", "30"]},
    )  # fmt: skip
    run(repo, record)
    (got,) = records(record)
    argv = got["argv"]
    brief = Path(got["env"]["PHASEGATE_BRIEF"]).read_text()
    assert argv[:2] == ["-p", brief]
    for pair in (["--output-format", "json"], ["--permission-mode", "acceptEdits"],
                 ["--model", "claude-sonnet-4-5"], ["--max-turns", "30"]):  # fmt: skip
        i = argv.index(pair[0])
        assert argv[i : i + 2] == pair
    assert "--strict-mcp-config" in argv
    assert "--max-budget-usd" not in argv  # no budget in this plan
    server = got["mcp"]["mcpServers"]["phasegate"]
    assert server["command"] == sys.executable and server["args"] == ["-m", "phasegate", "mcp"]
    assert server["env"]["PHASEGATE_EFFORT"] == "api"
    assert server["env"]["PHASEGATE_ATTEMPT"] == "1"
    assert server["env"]["PHASEGATE_DB"] == str(repo / ".phasegate" / "state.db")
    # The attempt's own token reaches the MCP server the agent starts.
    assert server["env"]["PHASEGATE_TOKEN"] == got["env"]["PHASEGATE_TOKEN"] != ""
    (u,) = usage_events(repo)
    assert u == {
        "attempt": 1, "kind": "claude", "source": "claude result", "model": "claude-sonnet-4-5",
        "tokens_in": 1500, "tokens_out": 450, "tokens_cached": 5000, "tokens": 6950,
        "cost": 0.0123, "priced": True, "estimated": False, "turns": 4,
        "session": "5f0c2a1e-7b7d-4c43-9a57-3c2d1e0f9a11", "error": None,
    }  # fmt: skip
    totals_agree(repo, 0.0123)
    assert git(repo, "show", "phasegate/integration:done/api.txt") == "done"


def test_codex_adapter_prices_tokens_from_the_plan(tmp_path: Path) -> None:
    prices = {"gpt-5-codex": {"input": 1.25, "output": 10, "cached": 0.125}}
    repo, record = setup(
        tmp_path, "codex", CODEX_EVENTS,
        {"kind": "codex", "model": "gpt-5-codex", "prices": prices,
         "flags": ["-c", "model_provider=local"]},
    )  # fmt: skip
    run(repo, record)
    (got,) = records(record)
    argv = got["argv"]
    assert argv[:2] == ["exec", "--json"]
    assert argv[argv.index("--sandbox") + 1] == "workspace-write"
    assert argv[argv.index("-m") + 1] == "gpt-5-codex"
    assert got["stdin"] == "" and got["stdin_path"] == "/dev/null"
    overrides = [argv[i + 1] for i, a in enumerate(argv) if a == "-c"]
    assert f"mcp_servers.phasegate.command={json.dumps(sys.executable)}" in overrides
    assert 'mcp_servers.phasegate.args=["-m", "phasegate", "mcp"]' in overrides
    env = next(o for o in overrides if o.startswith("mcp_servers.phasegate.env="))
    assert '"PHASEGATE_EFFORT" = "api"' in env
    assert "model_provider=local" in overrides and "allow_login_shell=false" in overrides
    assert 'mcp_servers.phasegate.default_tools_approval_mode="approve"' in overrides
    # The store and git's directory are writable from its sandbox.
    added = [argv[i + 1] for i, a in enumerate(argv) if a == "--add-dir"]
    assert added == [str(repo / ".phasegate"), str(repo / ".git")]
    assert argv[-1] == Path(got["env"]["PHASEGATE_BRIEF"]).read_text()
    (u,) = usage_events(repo)
    cost = round((315 * 1.25 + 122 * 10 + 24448 * 0.125) / 1e6, 9)
    assert u == {
        "attempt": 1, "kind": "codex", "source": "codex events", "model": "gpt-5-codex",
        "tokens_in": 315, "tokens_out": 122, "tokens_cached": 24448, "tokens": 24885,
        "cost": cost, "priced": True, "estimated": True, "turns": 1,
        "session": "0199a213-81c0-7800-8aa1-bbab2a035a53", "error": None,
    }  # fmt: skip
    totals_agree(repo, round(cost, 6))
    shown = run_phasegate("costs", cwd=repo).out
    assert "1 attempt(s) priced from tokens and agents.prices" in shown


def test_aider_adapter(tmp_path: Path) -> None:
    repo, record = setup(tmp_path, "aider", AIDER_OUTPUT, {"kind": "aider"})
    run(repo, record)
    (got,) = records(record)
    brief = Path(got["env"]["PHASEGATE_BRIEF"]).read_text()
    assert got["argv"][:3] == ["--message-file", got["env"]["PHASEGATE_BRIEF"], "--yes-always"]
    assert got["message"] == brief
    argv = got["argv"]
    assert argv[argv.index("--chat-history-file") + 1] == "/dev/null"
    assert "--no-gitignore" in argv
    assert "mcp" not in got  # no MCP client: it reports through the CLI
    (u,) = usage_events(repo)
    assert u == {
        "attempt": 1, "kind": "aider", "source": "aider cost lines",
        "model": "openai/gpt-4o-mini", "tokens_in": 3200, "tokens_out": 57,
        "tokens_cached": 1000, "tokens": 4257, "cost": 0.0075, "priced": True,
        "estimated": False, "turns": 2, "session": None, "error": None,
    }  # fmt: skip
    totals_agree(repo, 0.0075)


def test_an_agent_error_subtype_is_stored_and_the_attempt_fails(tmp_path: Path) -> None:
    result = json.loads(CLAUDE_RESULT)
    result.update(subtype="error_max_turns", is_error=True, total_cost_usd=0.5)
    repo, record = setup(tmp_path, "claude", json.dumps(result) + "\n", {"kind": "claude"})
    r = run_phasegate("run", "--plain", cwd=repo,
                      env={"STAND_IN_RECORD": str(record), "STAND_IN_EXIT": "1"})  # fmt: skip
    assert r.code == 1
    (u,) = usage_events(repo)
    assert u["error"] == "error_max_turns" and u["cost"] == 0.5
    st = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    assert st["efforts"][0]["state"] == "failed" and st["totals"]["cost"] == 0.5


@pytest.mark.parametrize("kind", ["claude", "codex", "aider"])
def test_an_agent_that_printed_nothing_stores_no_usage(kind: str, tmp_path: Path) -> None:
    repo, record = setup(tmp_path, kind, "", {"kind": kind})
    run(repo, record)
    assert usage_events(repo) == []
    assert json.loads(run_phasegate("costs", "--json", cwd=repo).out)["total"] == 0
