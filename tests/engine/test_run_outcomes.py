"""Each way an effort can go wrong ends in its own state, blocks only its dependents."""

from __future__ import annotations

import json

from support import git, run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted"

OUTCOMES_PLAN = f"""
version: 1
project: outcomes
agents: {{max: 4, command: "{SCRIPTED}", retries: 0, timeout: 60s, resolve_conflicts: false}}
phases:
  - id: p1
    gate:
      checks: [{{name: all files, run: "test -f a/a.txt && test -f ok/ok.txt"}}]
efforts:
  - {{id: fail, files: ["f/**"], command: "{SCRIPTED} --fail"}}
  - {{id: after-fail, depends_on: [fail], files: ["af/**"]}}
  - id: reject
    files: ["r/**"]
    checks: [{{name: never there, run: "grep -rq no-such-text r"}}]
    command: "{SCRIPTED} --no-commit"
  - {{id: after-reject, depends_on: [reject], files: ["ar/**"]}}
  - {{id: ok, files: ["ok/**"], checks: [{{run: "test -f ok/ok.txt"}}]}}
  - {{id: a, files: ["a/**"], checks: [{{run: "test -f a/a.txt"}}]}}
  - {{id: stacked, depends_on: [a], files: ["s/**"]}}
  - {{id: after-stacked, depends_on: [stacked], files: ["as/**"]}}
  - {{id: x1, files: ["x1/**"], command: "{SCRIPTED} --collide"}}
  - {{id: x2, files: ["x2/**"], command: "{SCRIPTED} --collide"}}
"""


def test_failure_states_block_only_dependents(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(OUTCOMES_PLAN)
    # Work someone left on the branch of `stacked` clashes with what `a` writes, so stacking
    # `a` into it conflicts.
    git(repo, "checkout", "-q", "-b", "phasegate/stacked")
    (repo / "a").mkdir()
    (repo / "a" / "a.txt").write_text("an older, different a\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "old work")
    git(repo, "checkout", "-q", "main")

    r = run_phasegate("run", "--json", cwd=repo, env={"PHASEGATE_SCRIPTED_NO_REPORT": "1"})
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    assert doc["ok"] is False
    efforts, phases = states(repo)
    assert efforts["fail"][0] == "failed" and "exit 1" in efforts["fail"][1]
    assert efforts["reject"][0] == "rejected" and "never there" in efforts["reject"][1]
    assert efforts["stacked"][0] == "conflicted"
    assert "a/a.txt" in efforts["stacked"][1]
    for dependent, cause in (
        ("after-fail", "fail"),
        ("after-reject", "reject"),
        ("after-stacked", "stacked"),
    ):
        assert efforts[dependent][0] == "blocked", dependent
        assert f"dependency {cause} is" in efforts[dependent][1]
    assert efforts["ok"][0] == "done" and efforts["a"][0] == "done"
    # Two unrelated efforts wrote the same file: the second to finish cannot merge.
    clash = sorted([efforts["x1"], efforts["x2"]])
    assert clash[0][0] == "conflicted" and clash[1][0] == "done"
    assert "merge into phasegate/integration" in clash[0][1]
    assert "shared/collide.txt" in clash[0][1]
    # `phasegate status` tells the same story, reasons included.
    status = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    shown = {e["id"]: (e["state"], e["reason"]) for e in status["efforts"]}
    assert {k: shown[k] for k in efforts} == efforts
    assert phases["p1"][0] == "open"
    assert any("effort fail is failed" in x for x in doc["reasons"])
    # The rejected agent left its work uncommitted: phasegate committed it, nothing was lost.
    log = git(repo, "log", "--format=%s", "phasegate/reject")
    assert "left uncommitted by the agent of reject" in log
    # The conflicted stack was aborted cleanly: no merge in progress in its worktree.
    wt = repo / ".phasegate" / "worktrees" / "stacked"
    assert git(wt, "status", "--porcelain") == ""
    # Done efforts were merged into the integration branch; failed ones were not.
    merged = git(repo, "log", "--format=%s", "--first-parent", "phasegate/integration")
    assert "merge ok" in merged and "merge a" in merged and "merge fail" not in merged


GATE_PLAN = f"""
version: 1
project: gates
agents: {{max: 2, command: "{SCRIPTED}"}}
phases:
  - id: p1
    gate:
      checks:
        - {{name: score, run: "echo score=40", metric: score, expect: ">= 50"}}
  - id: p2
efforts:
  - {{id: one, phase: p1, files: ["one/**"]}}
  - {{id: two, phase: p2, files: ["two/**"]}}
metrics:
  - {{id: score, title: Score}}
"""


def test_failed_gate_stops_next_phase_until_overridden(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(GATE_PLAN)
    env = {"PHASEGATE_SCRIPTED_NO_REPORT": "1"}
    r = run_phasegate("run", cwd=repo, env=env)
    assert r.code == 1
    efforts, phases = states(repo)
    assert phases["p1"][0] == "failed" and "score = 40, expected >= 50" in phases["p1"][1]
    assert efforts["one"][0] == "done"
    assert efforts["two"][0] == "blocked" and "phase p1 gate failed" in efforts["two"][1]
    assert "phase p1 is failed" in r.out
    status = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    p1 = next(p for p in status["phases"] if p["id"] == "p1")
    assert p1["state"] == "failed" and "score = 40" in p1["reason"]

    g = run_phasegate("gate", "p1", "--json", cwd=repo)
    assert g.code == 1
    assert json.loads(g.out)["evidence"][0]["value"] == 40

    bad = run_phasegate("gate", "p1", "--override", cwd=repo)
    assert bad.code == 2 and "--reason" in bad.err
    ok = run_phasegate("gate", "p1", "--override", "--reason", "metric tool broken", cwd=repo)
    assert ok.code == 0, ok.err
    r2 = run_phasegate("run", cwd=repo, env=env)
    assert r2.code == 0, r2.out + r2.err
    efforts, phases = states(repo)
    assert phases["p1"] == ("overridden", "metric tool broken")
    assert efforts["two"][0] == "done" and phases["p2"][0] == "passed"


def test_gate_of_unknown_phase_is_a_usage_error(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(GATE_PLAN)
    r = run_phasegate("gate", "nope", cwd=repo)
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == "error: unknown phase 'nope' (phases: p1, p2)"
    assert "Traceback" not in r.err


def test_a_git_refusal_fails_only_that_effort(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
version: 1
project: refusal
agents: {{max: 2, command: "{SCRIPTED}"}}
efforts:
  - {{id: taken, branch: elsewhere, files: ["t/**"]}}
  - {{id: free, files: ["f/**"]}}
"""
    repo = project(plan)
    # The branch is checked out in another worktree, so git refuses to check it out again.
    git(repo, "worktree", "add", "-q", "-b", "elsewhere", str(repo.parent / "other"), "main")
    r = run_phasegate("run", cwd=repo, env={"PHASEGATE_SCRIPTED_NO_REPORT": "1"})
    assert r.code == 1
    assert "Traceback" not in r.err
    efforts, _ = states(repo)
    assert efforts["taken"][0] == "failed" and "GitError" in efforts["taken"][1]
    assert efforts["free"][0] == "done"


RETRY_PLAN = """
version: 1
project: retry
agents: {max: 1, retries: 1, backoff: 0s, timeout: 60s,
         command: "echo $PHASEGATE_ATTEMPT > n.txt"}
efforts:
  - id: twice
    checks: [{name: second attempt, run: "cat n.txt; grep -qx 2 n.txt"}]
"""


def test_a_retry_brief_says_why_the_attempt_before_failed(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(RETRY_PLAN)
    r = run_phasegate("run", cwd=repo)
    assert r.code == 0, r.out + r.err
    first = (repo / ".phasegate" / "briefs" / "twice.1.md").read_text()
    second = (repo / ".phasegate" / "briefs" / "twice.2.md").read_text()
    assert "## What happened before" not in first
    earlier = second.split("## What happened before\n\n")[1].split("\n## ")[0]
    assert "### Attempt 1: rejected" in earlier
    assert "Check 'second attempt' failed; its output ended with:" in earlier
    assert "```\n1\n```" in earlier  # what the check printed
