"""The agent adapters (`agents.kind`) with the real CLIs: the command line each adapter builds
works, the usage each CLI prints is stored as an `agent.usage` event, and Claude Code and
Codex CLI reach phasegate's MCP server and report through its `report_progress` tool.

Skipped, and reported as not verified, while this phasegate has no `agents.kind`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agents.model_server import ModelServer
from agents.real import plans
from agents.real.conftest import AIDER_MODEL, CLAUDE_MODEL, CODEX_MODEL, USAGE, agent_env


def _has_adapters() -> bool:
    from phasegate.plan.model import Agents

    return "kind" in Agents.model_fields


pytestmark = pytest.mark.skipif(
    not _has_adapters(),
    reason="NOT VERIFIED: this phasegate has no agents.kind (the agent adapters)",
)

MODELS = {"claude": CLAUDE_MODEL, "codex": CODEX_MODEL, "aider": AIDER_MODEL}
REPORT = {"tasks_done": ["value"], "note": "value.txt holds the answer", "progress": 100}


def plan(kind: str, env: dict[str, str]) -> dict[str, Any]:
    return {
        "version": 1,
        "project": "adapters",
        "agents": {
            "kind": kind, "model": MODELS[kind], "timeout": "180s", "env": env,
            # Codex prints tokens and no cost: the plan's price makes it an estimate.
            "prices": {CODEX_MODEL: {"input": 1.25, "output": 10}},
        },
        "efforts": [{
            "id": "value", "title": "The value", "files": ["out/**"],
            "deliverables": ["value"],
            "checks": [{"name": "value", "run": "grep -qx 42 out/value.txt"}],
        }],
    }  # fmt: skip


def steps(kind: str) -> list[dict[str, Any]]:
    write = {"write": "out/value.txt", "content": "42\n"}
    if kind == "aider":  # no MCP client, and it runs no commands under --yes-always
        return [write, {"text": "done"}]
    return [write, {"run": "grep -qx 42 out/value.txt"}, {"mcp": "report_progress",
            "arguments": REPORT}, {"text": "done"}]  # fmt: skip


def tool_names(body: dict[str, Any]) -> set[str]:
    """Tools offered in a request: Anthropic/OpenAI tool lists and Codex's search results."""
    names = {str(t.get("name")) for t in body.get("tools", []) if isinstance(t, dict)}
    items = body.get("input") if isinstance(body.get("input"), list) else []
    for it in items:
        if isinstance(it, dict) and it.get("type") == "tool_search_output":
            for t in it.get("tools", []):
                names |= {f"{t.get('name')}/{x.get('name')}" for x in t.get("tools", [])}
    return names


@pytest.mark.parametrize("kind", ["claude", "codex", "aider"])
def test_the_adapter_drives_the_real_cli(
    kind: str, agent_bin: Path, model: ModelServer, tmp_path: Path
) -> None:
    model.book.scripts = [plans.script("# Effort value:", *steps(kind))]
    env = agent_env(tmp_path / "home", model, agent_bin)
    repo = plans.project(tmp_path, plan(kind, env))
    r = subprocess.run(
        [sys.executable, "-m", "phasegate", "run", "--plain"],
        cwd=repo, capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    log = next((repo / ".phasegate" / "logs").glob("value.1.log")).read_text()
    assert r.returncode == 0, r.stdout + r.stderr + log
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as s:
        assert s.effort("value").state == "done"
        usage = [e.data for e in s.events(effort="value", kinds=["agent.usage"])]
        view = s.effort("value")
        notes = s.notes("value")
    assert len(usage) == 1, usage
    u = usage[0]
    path = {"claude": "/v1/messages", "codex": "/v1/responses",
            "aider": "/v1/chat/completions"}[kind]  # fmt: skip
    asked = [c for c in model.calls(path) if c["step"]]
    assert asked
    if kind == "claude":
        n = len(model.calls(path))
        assert (u["tokens_in"], u["tokens_out"]) == (USAGE.input * n, USAGE.output * n)
        assert u["cost"] == pytest.approx(n * (USAGE.input * 3 + USAGE.output * 15) / 1e6)
        assert u["estimated"] is False
    elif kind == "codex":
        n = len(model.calls(path))
        assert (u["tokens_in"], u["tokens_out"]) == (USAGE.input * n, USAGE.output * n)
        assert u["estimated"] is True
        assert u["cost"] == pytest.approx(n * (USAGE.input * 1.25 + USAGE.output * 10) / 1e6)
    else:
        # Aider's line for the edit: "Tokens: 1.2k sent, 80 received. Cost: $0.0038 ..."
        assert u["cost"] == pytest.approx(0.0038, abs=1e-4)
    if kind != "aider":
        # phasegate's MCP tools reached the model: listed (Claude Code, once its MCP servers
        # connected) or found by a tool search (Codex CLI defers MCP tools).
        offered = {n for c in asked for n in tool_names(c["body"])}
        assert "mcp__phasegate__report_progress" in offered or (
            "mcp__phasegate/report_progress" in offered), sorted(offered)  # fmt: skip
        assert any(c["step"].get("mcp") == "report_progress" for c in asked)
        # ...and the call was stored as the effort's report.
        assert view.tasks_done == ["value"]
        assert REPORT["note"] in notes
