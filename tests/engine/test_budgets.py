"""Budgets in a real run: a 1 USD effort budget and an agent that spends 0.6 USD an attempt.

The second attempt crosses the budget: with `pause` no third attempt starts, with `stop`
the second attempt's agent is stopped as an interruption stops it (its work kept). Either
way the crossing is stored once, escalated through the plan's matrix, shown by `status`,
and `status`, `phasegate costs` and `phasegate budget` agree to the micro-dollar.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import yaml

from support import git, init_repo, run_phasegate

# A stand-in Claude Code: 0.6 USD an attempt, failing, so the effort is retried.
CLAUDE = """#!{python}
import json, os, sys
with open(os.environ["STAND_IN_RECORD"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
print(json.dumps({{"type": "result", "subtype": "success", "is_error": False, "num_turns": 2,
                  "session_id": "s-" + os.environ["PHASEGATE_ATTEMPT"], "total_cost_usd": 0.6,
                  "usage": {{"input_tokens": 100, "output_tokens": 10}}}}))
sys.exit(1)
"""

# An agent that does some work, reports 0.6 USD, and fails its first attempt; its second
# attempt goes on working until stopped; a third finishes. (The work comes before the
# report: a stop may follow the report at once.)
REPORTING = """
mkdir -p done && echo "attempt $PHASEGATE_ATTEMPT" > done/api.txt
echo "$PHASEGATE_ATTEMPT" >> "$STAND_IN_RECORD"
phasegate report "$PHASEGATE_EFFORT" --cost 0.6 >/dev/null
[ "$PHASEGATE_ATTEMPT" = 1 ] && exit 1
[ "$PHASEGATE_ATTEMPT" = 2 ] && exec sleep 60
exit 0
"""


def repo_with(tmp_path: Path, agents: dict[str, Any], on_exceed: str) -> Path:
    repo = init_repo(tmp_path / "repo")
    doc = {
        "version": 1,
        "project": "budgets",
        "agents": {"retries": 3, "backoff": "0s", "grace": "2s", "timeout": "60s", **agents},
        "escalation": {"high": {"within": "1h", "notify": "echo $PHASEGATE_ITEM_ID >> ../paged"}},
        "efforts": [{
            "id": "api", "title": "Public API", "files": ["done/**"],
            "checks": [{"name": "marker", "run": "test -f done/api.txt"}],
            "budget": {"usd": 1, "on_exceed": on_exceed},
        }],
    }  # fmt: skip
    (repo / "phasegate.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


def events(repo: Path, kind: str) -> list[tuple[int | None, dict[str, Any]]]:
    with sqlite3.connect(repo / ".phasegate" / "state.db") as c:
        rows = c.execute(
            "SELECT attempt, data FROM events WHERE kind = ? ORDER BY seq", (kind,)
        ).fetchall()
    return [(a, json.loads(d)) for a, d in rows]


def interrupted(repo: Path) -> bool:
    """Whether an attempt has ended interrupted (False while the store is being created)."""
    if not (repo / ".phasegate" / "state.db").exists():
        return False
    try:
        return any(d.get("interrupted") for _, d in events(repo, "effort.state"))
    except sqlite3.OperationalError:
        return False


def agree(repo: Path, spent: float) -> dict[str, Any]:
    st = json.loads(run_phasegate("status", "--json", "--no-notify", cwd=repo).out)
    costs = json.loads(run_phasegate("costs", "--json", cwd=repo).out)
    budget = json.loads(run_phasegate("budget", "--json", cwd=repo).out)
    (effort,) = st["efforts"]
    assert st["totals"]["cost"] == costs["total"] == effort["cost"] == spent
    assert budget["limits"][0]["spent"] == st["budget"]["limits"][0]["spent"] == spent
    parts = [a["cost"] for a in effort["attempts_cost"]] + [effort["reported_cost"]]
    assert round(sum(parts), 6) == spent
    return st


def test_pause_starts_no_third_attempt(tmp_path: Path) -> None:
    stand_in = tmp_path / "claude"
    stand_in.write_text(CLAUDE.format(python=sys.executable))
    stand_in.chmod(0o755)
    repo = repo_with(tmp_path, {"kind": "claude", "program": str(stand_in)}, "pause")
    record = tmp_path / "record.jsonl"
    env = {"STAND_IN_RECORD": str(record)}
    r = run_phasegate("run", "--plain", cwd=repo, env=env)
    assert r.code == 1, r.out + r.err
    assert "paused: budget of effort api exceeded (1.20 of 1.00 USD spent)" in r.out
    argvs = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(argvs) == 2  # retries allow four attempts; the budget stopped at two
    budgets = [a[a.index("--max-budget-usd") + 1] for a in argvs]
    assert budgets == ["1.0000", "0.4000"]  # each Claude attempt gets what is left
    (crossing,) = events(repo, "budget.exceeded")
    assert crossing[1]["scope"] == "effort:api" and crossing[1]["spent"] == 1.2
    paged = (tmp_path / "repo" / ".." / "paged").resolve()
    assert paged.read_text().split() == ["budget:effort:api"]
    st = agree(repo, 1.2)
    assert st["efforts"][0]["held"].startswith("paused: budget of effort api exceeded")
    (item,) = st["escalations"]["overdue"]
    assert (item["id"], item["kind"], item["severity"]) == ("budget:effort:api", "budget", "high")
    shown = run_phasegate("status", "--no-notify", cwd=repo).out
    assert "api: paused: budget of effort api exceeded" in shown
    doc = run_phasegate("doc", "--kind", "status", cwd=repo).out
    assert "| api | 1 | claude | 110 | 0.6000 |" in doc and "| api | 2 | claude | 110 |" in doc
    for kind in ("status", "daily", "weekly"):
        doc = run_phasegate("doc", "--kind", kind, cwd=repo).out
        assert "**Spent:** $1.20 (220 tokens)" in doc, kind
        assert "| effort:api | 1.00 | 1.20 | 0.00 | pause | EXCEEDED |" in doc, kind
        if kind != "status":
            assert ": $1.20\n" in doc.split("Spent since ")[1], kind

    # The same crossing is not stored or paged again by a second run.
    assert run_phasegate("run", "--plain", cwd=repo, env=env).code == 1
    assert len(events(repo, "budget.exceeded")) == 1 and len(record.read_text().splitlines()) == 2

    raised = run_phasegate("budget", "--raise", "1", "--effort", "api", "--reason", "retries",
                           cwd=repo)  # fmt: skip
    assert raised.code == 0, raised.err
    assert "budget of effort api raised by 1 USD" in raised.out
    assert json.loads(run_phasegate("status", "--json", cwd=repo).out)["efforts"][0]["held"] == ""
    r = run_phasegate("run", "--plain", cwd=repo, env=env)
    # Two more attempts (1.8, then 2.4 crossing the raised limit of 2.0).
    assert len(record.read_text().splitlines()) == 4, r.out
    assert [c["cap"] for _, c in events(repo, "budget.exceeded")] == [1.0, 2.0]
    agree(repo, 2.4)


def test_stop_interrupts_the_running_agent_and_keeps_its_work(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {"command": REPORTING}, "stop")
    record = tmp_path / "record"
    r = run_phasegate("run", "--plain", cwd=repo, env={"STAND_IN_RECORD": str(record)})
    assert r.code == 1, r.out + r.err
    assert record.read_text().split() == ["1", "2"]
    assert "stopped: budget of effort api exceeded (1.20 of 1.00 USD spent)" in r.out
    ((attempt, stop),) = events(repo, "agent.stop_requested")
    assert attempt == 2 and stop == {"budget": "effort:api"}
    last = events(repo, "effort.state")[-1]
    assert last[1]["to"] == "failed" and last[1]["interrupted"] is True
    assert last[1]["reason"].startswith("interrupted: stopped: budget of effort api exceeded")
    # The stopped agent's work is kept on its branch.
    assert git(repo, "show", "phasegate/api:done/api.txt") == "attempt 2"
    assert len(events(repo, "escalation.notified")) == 1
    agree(repo, 1.2)


def test_warn_records_the_crossing_and_the_run_goes_on(tmp_path: Path) -> None:
    """The scripted agent as `agents.kind`, its options from `agents.flags`: each effort
    reports 0.3 USD, and the plan's 0.5 USD budget only warns."""
    repo = init_repo(tmp_path / "repo")
    doc = {
        "version": 1, "project": "budgets",
        "agents": {"kind": "scripted", "flags": ["--cost", "0.3"], "max": 1},
        "budget": 0.5,
        "efforts": [{"id": "a", "files": ["a/**"]}, {"id": "b", "files": ["b/**"]}],
    }  # fmt: skip
    (repo / "phasegate.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    r = run_phasegate("run", "--plain", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "over budget: budget of plan exceeded (0.60 of 0.50 USD spent)" in r.out
    ((_, crossing),) = events(repo, "budget.exceeded")
    assert crossing["scope"] == "plan" and crossing["on_exceed"] == "warn"
    st = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    assert {e["state"] for e in st["efforts"]} == {"done"}
    assert st["totals"]["cost"] == 0.6 and st["budget"]["held"] == {}
    costs = json.loads(run_phasegate("costs", "--json", "--by", "agent", cwd=repo).out)
    assert costs["rows"] == [{"key": "reported", "cost": 0.6, "tokens": 0}]


def test_a_raise_during_the_run_lets_a_stopped_effort_start_again(tmp_path: Path) -> None:
    import subprocess
    import time

    repo = repo_with(tmp_path, {"command": REPORTING, "max": 2}, "stop")
    doc = yaml.safe_load((repo / "phasegate.yaml").read_text())
    # Keeps the run going until the budget is raised.
    go = tmp_path / "go"
    wait = f"while [ ! -f {go} ]; do sleep 0.1; done"
    doc["efforts"].append(
        {"id": "slow", "command": wait, "files": ["slow/**"], "allow_empty": True}
    )
    (repo / "phasegate.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    git(repo, "commit", "-qam", "slow effort")
    record = tmp_path / "record"
    env = {**os.environ, "STAND_IN_RECORD": str(record)}
    run = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not interrupted(repo):
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.1)
        raised = run_phasegate("budget", "--raise", "1", "--effort", "api", "--reason", "go on",
                               cwd=repo)  # fmt: skip
        assert raised.code == 0, raised.err
        go.touch()
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out + err
    assert record.read_text().split() == ["1", "2", "3"]
    assert git(repo, "show", "phasegate/integration:done/api.txt") == "attempt 3"
    agree_total = json.loads(run_phasegate("costs", "--json", cwd=repo).out)["total"]
    assert agree_total == 1.8
