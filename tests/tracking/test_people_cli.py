"""Commands people use: start, done, block, unblock, ack, approve; and ready, log, status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from phasegate.store import open_store
from support import CliResult

Cli = Callable[..., CliResult]


def _state(project: Path, effort: str) -> str:
    with open_store(None, state_dir=project / ".phasegate") as s:
        return s.effort(effort).state


def test_start_waits_for_dependencies(cli: Cli, project: Path) -> None:
    r = cli("start", "8.2.1")
    assert r.code == 1 and "waits for 8.1.1 (pending), 8.1.2 (pending)" in r.err
    assert cli("start", "8.2.1", "--force").code == 0
    assert _state(project, "8.2.1") == "running"
    r = cli("start", "8.2.1", "--force")
    assert r.code == 1 and "cannot go from running to running" in r.err


def test_done_runs_the_effort_checks(cli: Cli, project: Path) -> None:
    assert cli("start", "8.1.1").code == 0
    r = cli("done", "8.1.1")
    assert r.code == 1 and "rejected" in r.out
    assert _state(project, "8.1.1") == "rejected"
    (project / "pkg/placement/discovery").mkdir(parents=True)
    (project / "pkg/placement/discovery/workspace_discoverer.go").write_text("package x\n")
    assert cli("start", "8.1.1").code == 0
    assert cli("done", "8.1.1").code == 0
    assert _state(project, "8.1.1") == "done"
    with open_store(None, state_dir=project / ".phasegate") as s:
        results = [e.data["passed"] for e in s.check_results("effort")]
        assert results == [False, True]
        assert s.effort("8.1.1").attempt == 2


def test_block_unblock_and_ack(cli: Cli, project: Path) -> None:
    assert cli("start", "8.1.2").code == 0
    r = cli("block", "8.1.2", "--reason", "API server down", "--severity", "critical")
    assert r.code == 0 and "B1" in r.out
    assert _state(project, "8.1.2") == "blocked"
    assert cli("block", "8.1.2", "--reason", "x", "--severity", "dire").code == 1
    assert cli("ack", "B1").code == 0
    assert "already" in cli("ack", "B1").out
    assert cli("ack", "R2").code == 0
    r = cli("ack", "B9")
    assert r.code == 1 and "no blocker or risk 'B9'" in r.err
    assert cli("unblock", "8.1.2").code == 0
    with open_store(None, state_dir=project / ".phasegate") as s:
        v = s.effort("8.1.2")
        assert (v.state, v.attempt, v.blockers_open) == ("running", 1, 0)
        assert set(s.acks()) == {"B1", "R2"}
    r = cli("unblock", "8.1.2")
    assert r.code == 1 and "not blocked" in r.err


def test_approve_checks_reviewers(cli: Cli, project: Path) -> None:
    r = cli("approve", "8.1.1", "--as", "qa-lead")
    assert r.code == 1 and "not a reviewer" in r.err and "kernel-lead" in r.err
    assert cli("approve", "8.1.1", "--as", "kernel-lead").code == 0
    assert "already approved" in cli("approve", "8.1.1", "--as", "kernel-lead").out
    with open_store(None, state_dir=project / ".phasegate") as s:
        assert s.approvals() == {"8.1.1": {"kernel-lead"}}


def test_ready_orders_by_priority_then_remaining_path(cli: Cli, project: Path) -> None:
    doc = json.loads(cli("ready", "--json").out)
    assert doc["schema"] == "phasegate.ready/1"
    assert [r["id"] for r in doc["ready"]] == ["8.1.1", "8.1.2"]
    with open_store(None, state_dir=project / ".phasegate") as s:
        for e in ("8.1.1", "8.1.2"):
            s.transition(e, "running")
            s.transition(e, "done")
    doc = json.loads(cli("ready", "--json").out)
    # 8.2.1 is critical priority; 8.2.2 is high.
    assert [r["id"] for r in doc["ready"]] == ["8.2.1", "8.2.2"]
    assert {"id": "8.2.3", "on": ["8.2.1 (pending)", "8.2.2 (pending)"]} in doc["waiting"]


def test_log_shows_reports_with_contents(cli: Cli, project: Path) -> None:
    assert cli("start", "8.1.1").code == 0
    assert cli("report", "8.1.1", "--note", "see pkg/x", "--progress", "10").code == 0
    doc = json.loads(cli("log", "--json", "--effort", "8.1.1").out)
    kinds = [e["kind"] for e in doc["events"]]
    assert kinds == ["effort.state", "report"]
    assert doc["events"][1]["data"]["note"] == "see pkg/x"
    text = cli("log").out
    assert "pending -> running" in text and "note=see pkg/x" in text
    assert cli("log", "--effort", "nope").code == 2


def test_status_json_contract(cli: Cli, project: Path) -> None:
    assert cli("start", "8.1.1").code == 0
    assert cli("report", "8.1.1", "-t", "1", "-t", "2", "--metric", "coverage=65").code == 0
    r = cli("status", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["schema"] == "phasegate.status/1"
    assert [p["id"] for p in doc["phases"]] == ["p8"]
    assert doc["phases"][0]["state"] == "waiting"
    e = {x["id"]: x for x in doc["efforts"]}
    assert e["8.1.1"]["state"] == "running" and e["8.1.1"]["progress"] == 50
    assert e["8.1.1"]["owner"] == "workspace-discovery-specialist" and e["8.1.1"]["slack"] == 0
    assert doc["critical_path"]["efforts"] == ["8.1.1", "8.2.1", "8.2.3", "8.3.1", "8.3.2"]
    m = {x["id"]: x for x in doc["metrics"]}
    assert m["coverage"]["status"] == "missed" and m["coverage"]["latest"] == 65
    text = cli("status").out
    assert "wave 1" in text and "8.1.1 *" in text and "coverage" in text


def test_commands_without_a_plan_are_usage_errors(cli: Cli, project: Path) -> None:
    (project / "phasegate.yaml").unlink()
    for cmd in (["status"], ["ready"], ["log"], ["report", "x", "--progress", "1"]):
        r = cli(*cmd)
        assert r.code == 2 and "no phasegate.yaml here" in r.err


def test_a_store_written_by_a_newer_phasegate_is_refused(project: Path) -> None:
    import sqlite3

    from support import run_phasegate

    db = project / ".phasegate" / "state.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    for args in (["status"], ["report", "8.1.1", "--note", "x"], ["log"]):
        r = run_phasegate(*args, cwd=project)
        assert r.code == 2, (args, r.out, r.err)
        assert r.err.count("\n") == 1 and "Traceback" not in r.err
        assert "state.db: written by a newer phasegate (schema version 99;" in r.err


def test_a_reason_that_is_not_unicode_is_refused_by_the_store(project: Path) -> None:
    from support import run_phasegate

    assert run_phasegate("start", "8.1.1", cwd=project).code == 0
    r = run_phasegate("block", "8.1.1", "--reason", "no \udcff creds", cwd=project)
    assert r.code == 1, (r.out, r.err)
    assert r.err == (
        "error: refused text that is not valid Unicode ('\\udcff' is not a character; "
        "send UTF-8); nothing stored\n"
    )
    assert _state(project, "8.1.1") == "running"
