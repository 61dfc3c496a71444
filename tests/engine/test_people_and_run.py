"""What people do while a plan runs, and what the run must respect: a person's block holds,
a gate is not passed over unfinished work, work marked done mid-run is merged in that run,
and `--only` brings in what the gates before its phase need."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from phasegate.engine.loop import scope_of
from phasegate.plan.load import load_text
from support import git, run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted"

PLAN = f"""
version: 1
project: people
agents: {{max: 2, command: "{SCRIPTED}", retries: 0}}
phases:
  - {{id: p1}}
  - {{id: p2}}
efforts:
  - {{id: a, phase: p1, files: ["out/a.txt"], checks: [{{run: "test -f out/a.txt"}}]}}
  - {{id: c, phase: p1, files: ["out/c.txt"]}}
  - {{id: b, phase: p2, depends_on: [a], files: ["out/b.txt"]}}
"""
QUIET = {"PHASEGATE_SCRIPTED_NO_REPORT": "1"}


def _run_in_background(repo: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain", *args], cwd=repo, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})},
    )  # fmt: skip


def _wait_for(states: Any, repo: Path, run: Any, what: str, state: str) -> None:
    """Until effort (or phase) `what` is in `state` in the run's store."""
    deadline = time.monotonic() + 30
    while True:
        if (repo / ".phasegate" / "state.db").exists():
            efforts, phases = states(repo)
            if {**efforts, **phases}.get(what, ("",))[0] == state:
                return
        assert time.monotonic() < deadline and run.poll() is None, run.communicate()
        time.sleep(0.1)


def test_a_persons_block_holds_until_unblock(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    assert run_phasegate("block", "c", "--reason", "waiting for API review", cwd=repo).code == 0
    r = run_phasegate("run", "--plain", cwd=repo, env=QUIET)
    assert r.code == 1, r.out + r.err
    efforts, _ = states(repo)
    assert efforts["c"][0] == "blocked" and efforts["a"][0] == "done"
    assert "no longer blocked" not in r.out
    assert run_phasegate("unblock", "c", cwd=repo).code == 0
    r = run_phasegate("run", "--plain", cwd=repo, env=QUIET)
    assert r.code == 0, r.out + r.err
    assert states(repo)[0]["c"][0] == "done"


def test_gate_is_not_passed_over_unfinished_efforts(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    r = run_phasegate("run", "--plain", cwd=repo, env={**QUIET, "PHASEGATE_SCRIPTED_FAIL": "a"})
    assert r.code == 1, r.out + r.err
    assert states(repo)[1]["p1"][0] == "open"
    g = run_phasegate("gate", "p1", "--json", cwd=repo)
    assert g.code == 1, g.out + g.err
    assert "1 effort(s) of phase p1 not finished: a (failed)" in g.out
    assert states(repo)[1]["p1"][0] == "open"  # evidence only: the phase stays open
    # An override is the way past it, and it needs a reason.
    o = run_phasegate("gate", "p1", "--override", "--reason", "a is dropped", cwd=repo)
    assert o.code == 0 and states(repo)[1]["p1"][0] == "overridden"


def test_work_marked_done_during_a_run_is_merged_by_that_run(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
    version: 1
    project: midrun
    agents: {{max: 2, command: "{SCRIPTED}", retries: 0}}
    efforts:
      - {{id: a, files: ["out/a.txt"], checks: [{{run: "test -f out/a.txt"}}]}}
      - {{id: z, command: "sleep 12"}}  # long enough for the person to finish a, even on a loaded machine
    """
    repo = project(plan)
    run = _run_in_background(repo, env={**QUIET, "PHASEGATE_SCRIPTED_FAIL": "a"})
    try:
        _wait_for(states, repo, run, "a", "failed")
        wt = repo / ".phasegate" / "worktrees" / "a"
        assert run_phasegate("start", "a", cwd=repo).code == 0
        (wt / "out").mkdir(exist_ok=True)
        (wt / "out" / "a.txt").write_text("fixed by hand\n")
        git(wt, "add", "-A")
        git(wt, "commit", "-q", "-m", "fix a by hand")
        d = run_phasegate("done", "a", cwd=repo)
        assert d.code == 0, d.out + d.err
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
    assert run.returncode == 0, out + err
    assert "out/a.txt" in git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")


def test_only_brings_in_the_efforts_the_earlier_gates_need() -> None:
    plan = load_text(textwrap.dedent(PLAN), "plan.yaml").plan
    assert scope_of(plan, ("b",)) == ["a", "c", "b"]
    assert scope_of(plan, ("c",)) == ["c"]  # p1 comes first: nothing before it
    assert scope_of(plan, ()) == ["a", "c", "b"]


def test_retry_counts_an_interrupted_attempt_once(project, states, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
    version: 1
    project: retry
    agents: {{max: 1, command: "test -f {tmp_path}/go || sleep 60", retries: 0, grace: 1s}}
    efforts:
      - {{id: a}}
    """
    repo = project(plan)
    run = _run_in_background(repo, "--no-worktrees")
    _wait_for(states, repo, run, "a", "running")
    time.sleep(0.3)
    run.send_signal(signal.SIGINT)
    run.communicate(timeout=30)
    assert run.returncode == 130
    # Attempt 2 fails for real; with retries: 0 that ends it, and --retry grants exactly one.
    (repo / "phasegate.yaml").write_text((repo / "phasegate.yaml").read_text().replace(
        f"test -f {tmp_path}/go || sleep 60", "exit 3"))  # fmt: skip
    assert run_phasegate("run", "--plain", "--no-worktrees", cwd=repo).code == 1
    assert run_phasegate("run", "--plain", "--no-worktrees", "--retry", cwd=repo).code == 1
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        assert store.effort("a").attempt == 3


def test_an_override_while_the_run_evaluates_the_gate_stands(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = """
    version: 1
    project: race
    agents: {command: "true", retries: 0}
    phases:
      - {id: p1, gate: {checks: [{run: "sleep 8; exit 1"}]}}  # time for the override on a busy machine
      - {id: p2}
    efforts:
      - {id: a, phase: p1}
      - {id: b, phase: p2}
    """
    repo = project(plan)
    run = _run_in_background(repo, "--no-worktrees")
    _wait_for(states, repo, run, "p1", "gating")
    o = run_phasegate("gate", "p1", "--override", "--reason", "known flaky", cwd=repo)
    assert o.code == 0, o.out + o.err
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, out + err
    assert "overridden meanwhile" in out
    _, phases = states(repo)
    assert phases["p1"][0] == "overridden" and phases["p2"][0] == "passed"
