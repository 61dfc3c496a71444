"""The SDK's Client drives `phasegate mcp --http`: tokens minted per attempt scope every
call, a token never acts for another effort, a stale attempt reads but cannot write."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from mcp_http import client, http_server
from phasegate.service import tokens
from phasegate.tracking.session import open_session
from support import run_phasegate


def _doc(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    doc: dict[str, Any] = result.structured_content
    return doc


def _mint(effort: str, attempt: int) -> str:
    with open_session(None, None) as s:
        return tokens.mint(s.store, effort, attempt)


def test_every_tool_over_http_with_its_token(project: Path) -> None:
    a = _mint("8.1.1", 1)

    async def session(url: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client(url, a) as c:
            out["brief"] = _doc(await c.call_tool("get_brief", {}))
            args = {"tasks_done": ["1"], "progress": 40, "note": "see pkg/auth", "key": "k1"}
            out["report"] = _doc(await c.call_tool("report_progress", args))
            out["again"] = _doc(await c.call_tool("report_progress", args))
            out["blocker"] = _doc(await c.call_tool("raise_blocker", {"text": "no cluster"}))
            bid = out["blocker"]["blockers"][0]["id"]
            out["resolved"] = _doc(await c.call_tool("resolve_blocker", {"blocker": bid}))
            out["handoff"] = _doc(await c.call_tool("handoff_notes", {}))
            out["ready"] = _doc(await c.call_tool("ready_work", {}))
            out["status"] = _doc(await c.call_tool("status", {}))
            out["review"] = _doc(await c.call_tool("request_review", {"note": "please"}))
            res = await c.read_resource("phasegate://brief/8.1.1")
            out["resource"] = res.contents[0].text  # type: ignore[union-attr]
        return out

    with http_server(project) as url:
        out = asyncio.run(session(url))
    assert out["brief"]["effort"] == "8.1.1"
    assert out["report"]["stored"] and not out["again"]["stored"]
    assert out["report"]["attempt"] == 1
    assert out["resolved"]["blocker"] == out["blocker"]["blockers"][0]["id"]
    assert out["handoff"]["effort"] == "8.1.1"
    assert out["ready"]["schema"] == "phasegate.ready/1"
    assert out["status"]["schema"] == "phasegate.status/1"
    assert out["review"]["effort"] == "8.1.1"
    assert out["resource"].startswith("# Effort 8.1.1")
    with open_session(None, None) as s:
        assert len(s.store.events(effort="8.1.1", kinds=["report"])) == 2  # progress, blocker
        assert s.store.effort("8.1.1").progress == 40


def test_tokens_scope_effort_and_attempt(project: Path) -> None:
    mine = _mint("8.1.1", 1)
    theirs = _mint("8.1.2", 1)
    prefix, _, attempt, secret = mine.split(".")
    forged = ".".join([prefix, theirs.split(".")[1], attempt, secret])  # 8.1.2, my secret

    async def session(url: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client(url, theirs) as c:
            out["theirs"] = _doc(await c.call_tool("report_progress", {"progress": 10}))
            try:
                await c.read_resource("phasegate://brief/8.1.1")
                out["their_read"] = ""
            except Exception as e:
                out["their_read"] = str(e)
        async with client(url, forged) as c:
            out["forged"] = await c.call_tool("report_progress", {"progress": 20})
        async with client(url, None) as c:
            out["none"] = await c.call_tool("status", {})
        async with client(url, mine) as c:
            out["before"] = _doc(await c.call_tool("report_progress", {"progress": 30}))
        # The attempt is superseded: a retry starts attempt 2.
        with open_session(None, None) as s:
            s.store.transition("8.1.1", "failed", reason="test")
            s.store.transition("8.1.1", "running", reason="retry")
        async with client(url, mine) as c:
            out["stale_read"] = await c.call_tool("status", {})
            out["stale_brief"] = await c.call_tool("get_brief", {})
            out["stale_write"] = await c.call_tool("report_progress", {"progress": 40})
            out["stale_ask"] = await c.call_tool("ask", {"question": "?", "timeout": 0})
        return out

    with http_server(project) as url:
        out = asyncio.run(session(url))
    assert out["theirs"]["effort"] == "8.1.2"
    assert "not in scope" in out["their_read"]
    assert out["forged"].is_error and "unknown phasegate token" in out["forged"].content[0].text
    assert out["none"].is_error and "missing bearer token" in out["none"].content[0].text
    assert out["before"]["stored"]
    assert not out["stale_read"].is_error and not out["stale_brief"].is_error
    assert out["stale_write"].is_error
    assert "report from attempt 1 refused" in out["stale_write"].content[0].text
    assert out["stale_ask"].is_error and "stale" in out["stale_ask"].content[0].text
    with open_session(None, None) as s:
        assert s.store.effort("8.1.2").progress == 10
        assert s.store.effort("8.1.1").progress == 30  # the stale 40 was not stored
        kinds = {e.kind for e in s.store.events(effort="8.1.1")}
        assert "input.asked" not in kinds


def test_ask_waits_for_the_answer_given_on_the_command_line(project: Path) -> None:
    a = _mint("8.1.1", 1)

    async def session(url: str) -> dict[str, Any]:
        async with client(url, a) as c:
            asking = asyncio.create_task(
                c.call_tool("ask", {"question": "v1 or v2?", "timeout": 60, "key": "q"})
            )
            for _ in range(200):
                shown = await asyncio.to_thread(run_phasegate, "status", "--json", "--no-notify")
                if '"waiting_for_input": {' in shown.out:
                    break
                await asyncio.sleep(0.1)
            text = await asyncio.to_thread(run_phasegate, "status", "--no-notify")
            answered = await asyncio.to_thread(run_phasegate, "answer", "8.1.1", "v2, v1 is frozen")
            result = _doc(await asking)
            again = _doc(await c.call_tool("ask", {"question": "v1 or v2?", "key": "q"}))
            return {"text": text.out, "answered": answered, "result": result, "again": again}

    with http_server(project) as url:
        out = asyncio.run(session(url))
    assert "waiting for input" in out["text"]
    assert out["answered"].code == 0, out["answered"].err
    assert out["result"]["answer"] == "v2, v1 is frozen"
    assert out["result"]["waited"] > 0
    assert out["again"]["id"] == out["result"]["id"] and out["again"]["answered"]


def test_200_concurrent_clients_each_report_stored_once(project: Path) -> None:
    efforts = ["8.1.1", "8.1.2", "8.2.1", "8.2.2", "8.2.3", "8.3.1", "8.3.2", "8.3.3"]
    with open_session(None, None) as s:
        for e in efforts[2:]:
            s.store.transition(e, "running", reason="test")
        minted = {e: tokens.mint(s.store, e, 1) for e in efforts}
    n = 200

    async def one(url: str, k: int) -> list[Any]:
        effort = efforts[k % len(efforts)]
        args = {"progress": k % 100, "metrics": {"coverage": k}, "key": f"c{k}"}
        async with client(url, minted[effort]) as c:
            first = await c.call_tool("report_progress", args)
            resent = await c.call_tool("report_progress", args)  # a retry after a lost reply
            return [first, resent]

    async def load(url: str) -> list[list[Any]]:
        return await asyncio.gather(*(one(url, k) for k in range(n)))

    with http_server(project) as url:
        results = asyncio.run(load(url))
    errors = [r.content[0].text for pair in results for r in pair if r.is_error]
    assert errors == []
    assert all(first.structured_content["stored"] for first, _ in results)
    assert not any(resent.structured_content["stored"] for _, resent in results)
    with open_session(None, None) as s:
        stored = s.store.events(kinds=["report"])
        assert sorted(e.key for e in stored) == sorted(f"c{k}" for k in range(n))
        assert s.store.metric_summary()["coverage"].count == n
