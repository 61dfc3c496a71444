"""The SDK's own Client drives `phasegate mcp` over stdio: every tool, scoping from the
environment, idempotent re-sends, errors as tool errors with the CLI's messages."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp.client.stdio import StdioServerParameters

from mcp import Client
from phasegate.tracking.session import open_session
from support import run_phasegate


def _params(project: Path, effort: str, attempt: int) -> StdioServerParameters:
    env = {
        **os.environ,
        "PHASEGATE_EFFORT": effort,
        "PHASEGATE_ATTEMPT": str(attempt),
        "PHASEGATE_PLAN": str(project / "phasegate.yaml"),
    }
    return StdioServerParameters(
        command=sys.executable, args=["-m", "phasegate", "mcp"], env=env, cwd=str(project)
    )


def _doc(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    doc: dict[str, Any] = result.structured_content
    return doc


def test_every_tool_over_stdio(project: Path) -> None:
    async def session() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with Client(_params(project, "8.1.1", 1)) as c:
            names = {t.name for t in (await c.list_tools()).tools}
            out["tools"] = names
            out["brief"] = _doc(await c.call_tool("get_brief", {}))
            args = {"tasks_done": ["1"], "progress": 40, "metrics": {"coverage": 72},
                    "note": "checker in pkg/auth", "key": "r1"}  # fmt: skip
            out["report"] = _doc(await c.call_tool("report_progress", args))
            out["again"] = _doc(await c.call_tool("report_progress", args))
            out["blocker"] = _doc(
                await c.call_tool("raise_blocker", {"text": "no cluster", "severity": "critical"})
            )
            bid = out["blocker"]["blockers"][0]["id"]
            out["resolved"] = _doc(await c.call_tool("resolve_blocker", {"blocker": bid}))
            out["handoff"] = _doc(await c.call_tool("handoff_notes", {}))
            out["ready"] = _doc(await c.call_tool("ready_work", {}))
            out["status"] = _doc(await c.call_tool("status", {}))
            out["review"] = _doc(await c.call_tool("request_review", {"note": "look", "key": "v"}))
            out["ask"] = _doc(await c.call_tool("ask", {"question": "v1 or v2?", "timeout": 0}))
            out["bad"] = await c.call_tool("report_progress", {"progress": 140})
            res = await c.read_resource("phasegate://brief/8.1.1")
            out["resource"] = res.contents[0].text  # type: ignore[union-attr]
            out["other"] = await c.call_tool("get_brief", {})
        return out

    out = asyncio.run(session())
    assert {"get_brief", "report_progress", "raise_blocker", "resolve_blocker", "handoff_notes",
            "my_conflicts", "ready_work", "status", "ask", "request_review"} <= out["tools"]  # fmt: skip
    assert out["brief"]["effort"] == "8.1.1" and "# Effort 8.1.1" in out["brief"]["text"]
    assert out["report"]["stored"] and not out["again"]["stored"]
    assert out["report"]["attempt"] == 1
    assert out["blocker"]["blockers"][0]["severity"] == "critical"
    assert not out["resolved"]["already"]
    assert out["handoff"]["effort"] == "8.1.1"
    assert out["ready"]["schema"] == "phasegate.ready/1"
    assert out["status"]["schema"] == "phasegate.status/1"
    assert out["review"]["missing"] == ["kernel-lead"]
    assert out["ask"]["answered"] is False
    assert out["bad"].is_error
    cli = run_phasegate("report", "8.1.1", "--progress", "140")
    assert cli.code == 1 and out["bad"].content[0].text == cli.err.strip()
    assert out["resource"].startswith("# Effort 8.1.1")
    with open_session(None, None) as s:
        reps = s.store.events(effort="8.1.1", kinds=["report"])
        assert [r.key for r in reps].count("r1") == 1
        v = s.store.effort("8.1.1")
        assert v.progress == 40 and v.tasks_done
        assert not [b for b in s.store.blockers() if b.open]


def test_stale_attempt_reads_but_cannot_write(project: Path) -> None:
    async def session() -> dict[str, Any]:
        async with Client(_params(project, "8.1.1", 0)) as c:
            return {
                "brief": await c.call_tool("get_brief", {}),
                "status": await c.call_tool("status", {}),
                "report": await c.call_tool("report_progress", {"progress": 10}),
                "ask": await c.call_tool("ask", {"question": "?", "timeout": 0}),
                "review": await c.call_tool("request_review", {}),
                "blocker": await c.call_tool("raise_blocker", {"text": "x"}),
            }

    out = asyncio.run(session())
    assert not out["brief"].is_error and not out["status"].is_error
    for name in ("report", "ask", "review", "blocker"):
        assert out[name].is_error, name
        assert "attempt 0" in out[name].content[0].text
    with open_session(None, None) as s:
        assert not s.store.events(effort="8.1.1", kinds=["report", "input.asked"])


def test_resource_of_another_effort_refused(project: Path) -> None:
    async def session() -> str:
        async with Client(_params(project, "8.1.1", 1)) as c:
            try:
                await c.read_resource("phasegate://brief/8.1.2")
            except Exception as e:  # the SDK raises the server's resource error
                return str(e)
        return ""

    assert "8.1.2 is not in scope" in asyncio.run(session())


def test_my_conflicts_names_only_my_effort(project: Path) -> None:
    from support import init_repo

    plan = project / "phasegate.yaml"
    text = plan.read_text()
    text = text.replace("pkg/placement/policy/**", "pkg/placement/scheduler/extra/**")  # 8.2.2
    text = text.replace("pkg/placement/discovery/api_*.go", "pkg/placement/discovery/*.go")
    plan.write_text(text)
    init_repo(project)
    everything = json.loads(run_phasegate("conflicts", "--json").out)
    assert len({(p["a"], p["b"]) for p in everything["predicted"]}) == 2

    async def session() -> Any:
        async with Client(_params(project, "8.2.1", 0)) as c:
            return await c.call_tool("my_conflicts", {})

    doc = _doc(asyncio.run(session()))
    assert doc["schema"] == "phasegate.conflicts/1"
    assert doc["effort"] == "8.2.1" and doc["branch"]
    assert [{p["a"], p["b"]} for p in doc["predicted"]] == [{"8.2.1", "8.2.2"}]
    assert all(d["effort"] == "8.2.1" for d in doc["scope"])
