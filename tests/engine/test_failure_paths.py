"""The paths after something went wrong, on real git: states derived from today's facts,
phase order after a rollback, attempts that change nothing, and retries that know what the
attempt before them did."""

from __future__ import annotations

import json
from pathlib import Path

from phasegate.store import open_store
from support import git, run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted"
QUIET = {"PHASEGATE_SCRIPTED_NO_REPORT": "1"}


def _runs(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_ready_lists_dependents_of_work_done_outside_a_run(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(f"""
    version: 1
    project: stale
    agents: {{command: "{SCRIPTED}", retries: 0}}
    efforts:
      - {{id: a, files: ["a/**"]}}
      - {{id: b, files: ["b/**"], depends_on: [a]}}
    """)
    r = run_phasegate("run", "--plain", cwd=repo, env={**QUIET, "PHASEGATE_SCRIPTED_FAIL": "a"})
    assert r.code == 1
    efforts, _ = states(repo)
    assert efforts["a"][0] == "failed" and efforts["b"][0] == "blocked"
    assert run_phasegate("start", "a", cwd=repo).code == 0
    assert run_phasegate("done", "a", "--skip-checks", cwd=repo).code == 0
    ready = json.loads(run_phasegate("ready", "--json", cwd=repo).out)
    assert [x["id"] for x in ready["ready"]] == ["b"]
    status = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    b = next(e for e in status["efforts"] if e["id"] == "b")
    assert b["state"] == "ready" and "dependency a" not in b["reason"]


def test_an_open_blocker_still_holds_an_effort(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(f"""
    version: 1
    project: held
    agents: {{command: "{SCRIPTED}"}}
    efforts:
      - {{id: a, files: ["a/**"]}}
    """)
    assert run_phasegate("block", "a", "--reason", "waiting for review", cwd=repo).code == 0
    ready = json.loads(run_phasegate("ready", "--json", cwd=repo).out)
    assert ready["ready"] == []


PHASED = f"""
version: 1
project: phased
agents: {{max: 2, command: "{SCRIPTED}", retries: 0, backoff: 0s}}
phases:
  - id: features
  - id: release
efforts:
  - {{id: a, phase: features, files: ["a/**"]}}
  - {{id: b, phase: release, files: ["b/**"]}}
"""


def test_rollback_returns_later_phases_to_waiting_and_they_wait(project, states, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PHASED)
    runs = tmp_path / "runs.txt"
    env = {**QUIET, "PHASEGATE_SCRIPTED_RUNS": str(runs)}
    # First run: features passes, release opens and b fails there.
    r = run_phasegate("run", "--plain", cwd=repo, env={**env, "PHASEGATE_SCRIPTED_FAIL": "b"})
    assert r.code == 1
    efforts, phases = states(repo)
    assert phases == {"features": ("passed", "gate passed"), "release": phases["release"]}
    assert phases["release"][0] == "open" and efforts["b"][0] == "failed"

    r = run_phasegate("rollback", "a", "--reason", "a is wrong", cwd=repo)
    assert r.code == 0, r.out + r.err
    _, phases = states(repo)
    assert phases["features"][0] == "open"
    assert phases["release"][0] == "waiting" and "rollback of a" in phases["release"][1]

    # a's rework fails: features stays open, and nothing of release may start meanwhile,
    # not even b's retry.
    before = len(_runs(runs))
    r = run_phasegate(
        "run", "--retry", "--plain", cwd=repo, env={**env, "PHASEGATE_SCRIPTED_FAIL": "a"}
    )
    assert r.code == 1
    started = [x.split()[0] for x in _runs(runs)[before:]]
    assert "a" in started and "b" not in started, started
    # The rework's brief says why the work was taken back.
    rework = (repo / ".phasegate" / "briefs" / "a.2.md").read_text()
    assert "Your merged work was rolled back: a is wrong" in rework
    _, phases = states(repo)
    assert phases["release"][0] == "waiting"

    # Once features passes again, release opens and b runs.
    r = run_phasegate("run", "--retry", "--plain", cwd=repo, env=env)
    assert r.code == 0, r.out + r.err
    efforts, phases = states(repo)
    assert phases["features"][0] == "passed" and phases["release"][0] == "passed"
    assert efforts["b"][0] == "done"


def test_a_failed_gate_dispatches_nothing_after_it(project, states, tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = project(f"""
    version: 1
    project: gated
    agents: {{max: 2, command: "{SCRIPTED}"}}
    phases:
      - {{id: p1, gate: {{checks: [{{name: never, run: "false"}}]}}}}
      - {{id: p2}}
    efforts:
      - {{id: a, phase: p1, files: ["a/**"]}}
      - {{id: b, phase: p2, files: ["b/**"]}}
    """)
    runs = tmp_path / "runs.txt"
    r = run_phasegate(
        "run", "--plain", cwd=repo, env={**QUIET, "PHASEGATE_SCRIPTED_RUNS": str(runs)}
    )
    assert r.code == 1 and "gate FAILED" in r.out
    assert [x.split()[0] for x in _runs(runs)] == ["a"]
    efforts, phases = states(repo)
    assert phases["p1"][0] == "failed" and phases.get("p2", ("waiting",))[0] == "waiting"
    assert efforts.get("b", ("pending",))[0] in {"pending", "blocked"}


def test_an_agent_that_changes_nothing_fails_unless_allowed(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(f"""
    version: 1
    project: empty
    agents: {{max: 2, command: "{SCRIPTED}", retries: 0}}
    efforts:
      - {{id: idle, files: ["i/**"]}}
      - {{id: chore, files: ["c/**"], allow_empty: true}}
    """)
    r = run_phasegate("run", "--plain", cwd=repo, env={**QUIET, "PHASEGATE_SCRIPTED_EMPTY": "*"})
    assert r.code == 1
    efforts, _ = states(repo)
    assert efforts["idle"][0] == "failed" and efforts["idle"][1].startswith("no changes")
    assert efforts["chore"][0] == "done"


RETRY_AGENT = (
    'if [ "$PHASEGATE_ATTEMPT" = 1 ]; then mkdir -p x && echo junk > x/junk.txt && git add x/junk.txt && '
    'git commit -qm junk && echo "boom: the first attempt broke" && exit 3; fi; '
    f"exec {SCRIPTED}"
)


def test_a_retry_knows_what_failed_and_starts_from_the_stack(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
    version: 1
    project: retry
    agents: {{command: {json.dumps(RETRY_AGENT)}, retries: 1, backoff: 0s}}
    efforts:
      - {{id: x, files: ["x/**"]}}
    """
    repo = project(plan)
    r = run_phasegate("run", "--plain", cwd=repo, env=QUIET)
    assert r.code == 0, r.out + r.err
    efforts, _ = states(repo)
    assert efforts["x"][0] == "done"
    brief = (repo / ".phasegate" / "briefs" / "x.2.md").read_text()
    assert "What happened before" in brief
    assert "agent failed (exit 3)" in brief and "Agent exit code: 3" in brief
    assert "boom: the first attempt broke" in brief  # the tail of its log
    assert "refs/phasegate/attempts/x/1" in brief
    # The failed attempt's work is kept, and never reaches the integration branch.
    kept = git(repo, "ls-tree", "-r", "--name-only", "refs/phasegate/attempts/x/1")
    assert "x/junk.txt" in kept
    integ = git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")
    assert "x/junk.txt" not in integ and "x/x.txt" in integ
    assert "x/junk.txt" not in git(repo, "ls-tree", "-r", "--name-only", "phasegate/x")
    with open_store(None, state_dir=repo / ".phasegate") as store:
        (ev,) = store.events(kinds=["attempt.kept"])
    assert ev.attempt == 1 and ev.data["ref"] == "refs/phasegate/attempts/x/1"


def test_on_retry_continue_keeps_the_earlier_work(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
    version: 1
    project: retry
    agents: {{command: {json.dumps(RETRY_AGENT)}, retries: 1, backoff: 0s, on_retry: continue}}
    efforts:
      - {{id: x, files: ["x/**"]}}
    """
    repo = project(plan)
    assert run_phasegate("run", "--plain", cwd=repo, env=QUIET).code == 0
    brief = (repo / ".phasegate" / "briefs" / "x.2.md").read_text()
    assert "Earlier work is already on your branch" in brief
    assert "x/junk.txt" in git(repo, "ls-tree", "-r", "--name-only", "phasegate/x")


def test_the_state_directory_is_in_the_repositorys_exclude_list(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(f"""
    version: 1
    project: tidy
    agents: {{command: "{SCRIPTED}"}}
    efforts:
      - {{id: a, files: ["a/**"]}}
    """)
    for _ in range(2):  # once, however often it runs
        assert run_phasegate("run", "--plain", cwd=repo, env=QUIET).code == 0
    lines = (repo / ".git" / "info" / "exclude").read_text().splitlines()
    assert lines.count("/.phasegate/") == 1
    assert git(repo, "status", "--porcelain") == ""
