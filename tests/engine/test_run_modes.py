"""--dry-run, --no-worktrees, --only, clean, bad input, and a re-run that has nothing to do."""

from __future__ import annotations

import json
from pathlib import Path

from support import git, run_phasegate

AGENT = 'echo "$PHASEGATE_EFFORT" >> "$RUNS"; mkdir -p out; echo x > "out/$PHASEGATE_EFFORT"'
PLAN = f"""
version: 1
project: modes
agents: {{max: 2, command: '{AGENT}'}}
efforts:
  - {{id: a, size: 3, files: ["out/a"], checks: [{{run: "test -f out/a"}}]}}
  - {{id: b, depends_on: [a], files: ["out/b"], checks: [{{run: "test -f out/b"}}]}}
  - {{id: c, size: 1, files: ["out/c"]}}
"""


def test_dry_run_changes_nothing(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    r = run_phasegate("run", "--dry-run", cwd=repo)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "would run 3 effort(s) of modes with up to 2 agent(s)"
    wave1 = [x for x in lines if x.startswith("wave 1:")]
    assert wave1[0].startswith("wave 1: a [pending] on phasegate/a (main)")  # longest path first
    assert any(x.startswith("wave 2: b [pending] on phasegate/b (main + phasegate/a)")
               for x in lines)  # fmt: skip
    assert not (repo / ".phasegate").exists()
    assert git(repo, "branch", "--list", "phasegate/*") == ""


def test_no_worktrees_runs_beside_the_plan(project, tmp_path: Path, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    runs = tmp_path / "runs"
    r = run_phasegate("run", "--no-worktrees", "--json", cwd=repo, env={"RUNS": str(runs)})
    assert r.code == 0, r.err
    assert json.loads(r.out)["efforts"] == {"a": "done", "b": "done", "c": "done"}
    assert (repo / "out" / "b").exists()
    assert git(repo, "branch", "--list", "phasegate/*") == ""
    again = run_phasegate("run", "--no-worktrees", cwd=repo, env={"RUNS": str(runs)})
    assert again.code == 0
    assert sorted(runs.read_text().split()) == ["a", "b", "c"]  # nothing ran twice


def test_only_runs_the_effort_and_what_it_needs(project, tmp_path: Path, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    runs = tmp_path / "runs"
    r = run_phasegate("run", "--only", "b", cwd=repo, env={"RUNS": str(runs)})
    assert r.code == 0, r.out + r.err
    assert sorted(runs.read_text().split()) == ["a", "b"]
    efforts, _ = states(repo)
    assert "c" not in efforts
    bad = run_phasegate("run", "--only", "zz", cwd=repo)
    assert bad.code == 2 and bad.err.strip().endswith("error: --only: unknown effort 'zz'")


def test_clean_removes_merged_and_refuses_work(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    assert run_phasegate("run", cwd=repo, env={"RUNS": str(tmp_path / "runs")}).code == 0
    wts = repo / ".phasegate" / "worktrees"
    (wts / "c" / "scratch.txt").write_text("unsaved\n")
    git(wts / "b", "commit", "-q", "--allow-empty", "-m", "later, unmerged work")
    r = run_phasegate("clean", "--json", cwd=repo)
    assert r.code == 1
    doc = json.loads(r.out)
    assert doc["removed"] == ["a"]
    kept = {k["effort"]: k["reason"] for k in doc["kept"]}
    assert "uncommitted" in kept["c"] and "not merged" in kept["b"]
    assert not (wts / "a").exists() and (wts / "c" / "scratch.txt").exists()
    assert git(repo, "branch", "--list", "phasegate/a") != ""  # branches are never deleted


def test_clean_keeps_work_off_the_branch_and_efforts_at_work(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    assert run_phasegate("run", cwd=repo, env={"RUNS": str(tmp_path / "runs")}).code == 0
    wts = repo / ".phasegate" / "worktrees"
    # A commit made on a detached HEAD belongs to no branch: removing the worktree would
    # leave it reachable from nothing.
    git(wts / "a", "checkout", "-q", "--detach")
    git(wts / "a", "commit", "-q", "--allow-empty", "-m", "detached work")
    # An effort someone is working on again, before they have committed anything.
    assert run_phasegate("rollback", "c", "--reason", "redo", cwd=repo).code == 0
    assert run_phasegate("start", "c", cwd=repo).code == 0
    r = run_phasegate("clean", "--json", cwd=repo)
    kept = {k["effort"]: k["reason"] for k in json.loads(r.out)["kept"]}
    assert "holds commit" in kept["a"] and kept["c"] == "effort is running", kept
    assert (wts / "a").exists() and (wts / "c").exists()


def test_run_outside_git_needs_no_worktrees(tmp_path: Path) -> None:
    (tmp_path / "phasegate.yaml").write_text(PLAN)
    r = run_phasegate("run", cwd=tmp_path)
    assert r.code == 2
    assert "not in a git repository; run with --no-worktrees" in r.err.strip().splitlines()[-1]
    assert "Traceback" not in r.err


def test_live_view_draws_the_table(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import io
    import os

    from rich.console import Console

    from phasegate.engine import RunOptions, execute
    from phasegate.engine.live import LiveView, wants_live
    from phasegate.plan.load import load_plan

    repo = project(PLAN)
    loaded = load_plan(str(repo / "phasegate.yaml"))
    out = io.StringIO()
    view = LiveView(Console(file=out, force_terminal=True, width=160))
    os.environ["RUNS"] = str(tmp_path / "runs")
    try:
        result = execute(loaded.plan, loaded.path, loaded.state_dir, None,
                         RunOptions(worktrees=False), view)  # fmt: skip
    finally:
        del os.environ["RUNS"]
    assert result.ok
    text = out.getvalue()
    for header in ("wave", "effort", "agent", "state", "elapsed", "progress"):
        assert header in text
    assert "done" in text
    assert not wants_live(io.StringIO())


def test_a_second_run_on_the_same_plan_is_refused(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import time

    slow = PLAN.replace(AGENT, "sleep 30")
    repo = project(slow)
    first = subprocess.Popen([sys.executable, "-m", "phasegate", "run", "--no-worktrees"],
                             cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        lock = repo / ".phasegate" / "run.lock"
        deadline = time.monotonic() + 20
        while not (lock.exists() and lock.read_text().strip()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = run_phasegate("run", "--no-worktrees", cwd=repo)
        assert second.code == 2
        assert f"another 'phasegate run' (pid {first.pid})" in second.err
    finally:
        first.kill()
        first.wait()
        # The agents the killed engine left: each wrapper's pid is the first line of its
        # attempt's status file, and it leads the agent's process group.
        for status in (repo / ".phasegate" / "logs").glob("*.exit"):
            with contextlib.suppress(ProcessLookupError, ValueError, IndexError):
                os.killpg(int(status.read_text().split()[0]), signal.SIGKILL)


RETRY_AGENT = (
    'if [ "$PHASEGATE_ATTEMPT" = 1 ]; then echo first try fails; exit 1; fi; '
    'mkdir -p out; echo x > "out/$PHASEGATE_EFFORT"'
)


def test_retry_with_backoff_then_stale_reports_refused(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
version: 1
project: retry
agents: {{command: '{RETRY_AGENT}', retries: 1, backoff: 0.2s}}
efforts:
  - {{id: a, files: ["out/a"], checks: [{{run: "test -f out/a"}}]}}
"""
    repo = project(plan)
    r = run_phasegate("run", "--no-worktrees", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "effort a [wave 1, agent-1]: failed: agent failed (exit 1)" in r.out
    assert "effort a [wave 1, agent-1]: running (attempt 2)" in r.out
    logs = repo / ".phasegate" / "logs"
    assert (logs / "a.1.log").read_text() == "first try fails\n"
    assert "Attempt 2." in (repo / ".phasegate" / "briefs" / "a.2.md").read_text()
    stale = run_phasegate("report", "a", "--note", "late", cwd=repo,
                          env={"PHASEGATE_ATTEMPT": "1"})  # fmt: skip
    assert stale.code == 1 and "attempt 1 refused" in stale.err
    efforts, _ = states(repo)
    assert efforts["a"][0] == "done"


def test_plan_without_agent_command_is_a_usage_error(project) -> None:  # type: ignore[no-untyped-def]
    repo = project("version: 1\nproject: bare\nefforts:\n  - {id: a}\n")
    r = run_phasegate("run", cwd=repo)
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == (
        "error: effort a has no agent to run: set agents.command in the plan "
        "(or the effort's own command, or agents.kind)"
    )


def test_rerun_keeps_failures_until_retry(project, tmp_path: Path, states) -> None:  # type: ignore[no-untyped-def]
    plan = """
version: 1
project: again
agents: {command: "python -m phasegate.agents.scripted"}
efforts:
  - {id: a, files: ["a/**"]}
  - {id: b, depends_on: [a], files: ["b/**"]}
"""
    repo = project(plan)
    runs = tmp_path / "runs"
    env = {"PHASEGATE_SCRIPTED_NO_REPORT": "1", "PHASEGATE_SCRIPTED_RUNS": str(runs)}
    assert run_phasegate("run", cwd=repo, env={**env, "PHASEGATE_SCRIPTED_FAIL": "a"}).code == 1
    assert run_phasegate("run", cwd=repo, env=env).code == 1  # failed stays failed
    assert runs.read_text().splitlines() == ["a 1"]
    r = run_phasegate("run", "--retry", cwd=repo, env=env)
    assert r.code == 0, r.out + r.err
    assert runs.read_text().splitlines() == ["a 1", "a 2", "b 1"]
    efforts, _ = states(repo)
    assert efforts == {
        "a": ("done", "checks passed; merged"),
        "b": ("done", "checks passed; merged"),
    }


def test_a_deleted_state_directory_is_refused_until_started_over_on_purpose(
    project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # The integration branch still holds the merges of the lost store: a run on a fresh
    # store would take them for foreign work, or run every effort again over them.
    import shutil

    repo = project(PLAN)
    runs = tmp_path / "runs"
    assert run_phasegate("run", "--plain", cwd=repo, env={"RUNS": str(runs)}).code == 0
    shutil.rmtree(repo / ".phasegate")
    r = run_phasegate("run", "--plain", cwd=repo, env={"RUNS": str(runs)})
    assert r.code == 2, r.out + r.err
    assert "integration branch phasegate/integration" in r.err and "Restore the store" in r.err
    # Starting over on purpose: git still lists the deleted worktrees; the run must prune
    # them and check out the effort branches again rather than fail on directories gone.
    git(repo, "worktree", "prune")
    git(repo, "branch", "-D", "phasegate/integration")
    r = run_phasegate("run", "--plain", cwd=repo, env={"RUNS": str(runs)})
    assert r.code == 0, r.out + r.err
    assert (repo / ".phasegate" / "worktrees" / "a" / "out" / "a").exists()
    assert "out/b" in git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")


def test_clean_reads_the_store_given_with_db(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    env = {"RUNS": str(tmp_path / "runs"), "PHASEGATE_DB": str(tmp_path / "elsewhere.db")}
    assert run_phasegate("run", cwd=repo, env=env).code == 0
    assert run_phasegate("rollback", "c", "--reason", "redo", cwd=repo, env=env).code == 0
    assert run_phasegate("start", "c", cwd=repo, env=env).code == 0
    r = run_phasegate("clean", "--json", cwd=repo, env=env)
    kept = {k["effort"]: k["reason"] for k in json.loads(r.out)["kept"]}
    assert kept.get("c") == "effort is running", r.out
    assert (repo / ".phasegate" / "worktrees" / "c").exists()
