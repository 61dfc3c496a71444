"""What the checks judged is what gets merged, and merged work stays in integration."""

from __future__ import annotations

import json
from pathlib import Path

from phasegate.store import open_store
from support import git, run_phasegate

PLAN = """
version: 1
project: integrity
agents: {{max: 1, retries: 0, timeout: 60s, command: "true"}}
phases:
  - id: p1
    gate: {{checks: [{{name: gate, run: "true"}}]}}
efforts:
  - id: a
    files: ["a/**"]
    command: "{cmd}"
    checks: [{{name: has x, run: "test -f a/x.txt"}}]
"""
COMMIT = "mkdir -p a && echo $1 > a/$1.txt && git add -A && git commit -qm $1"


def _events(repo: Path, kind: str) -> list[dict[str, object]]:
    with open_store(None, state_dir=repo / ".phasegate") as store:
        return [ev.data for ev in store.events(kinds=[kind])]


def _agent(script: str) -> str:
    return f"sh -c '{script}' agent"


def test_work_on_another_branch_built_on_the_effort_is_what_gets_merged(project, states) -> None:  # type: ignore[no-untyped-def]
    script = f"git checkout -q -b elsewhere && set -- x && {COMMIT}"
    repo = project(PLAN.format(cmd=_agent(script)))
    r = run_phasegate("run", cwd=repo)
    assert r.code == 0, r.out + r.err
    # The branch was moved to what the agent committed, and that is what was merged.
    assert git(repo, "show", "phasegate/integration:a/x.txt") == "x"
    assert git(repo, "rev-parse", "phasegate/a") == git(repo, "rev-parse", "elsewhere")
    checked = {str(d["commit"]) for d in _events(repo, "check.result") if d.get("commit")}
    merged = [str(d["sha"]) for d in _events(repo, "effort.merged")]
    assert checked == set(merged) == {git(repo, "rev-parse", "elsewhere")}
    wt = repo / ".phasegate" / "worktrees" / "a"
    assert git(wt, "symbolic-ref", "--short", "HEAD") == "phasegate/a"


def test_a_head_off_the_effort_branch_fails_the_attempt(project, states) -> None:  # type: ignore[no-untyped-def]
    # Work on the branch, then a detached HEAD before it, where the checked file lives.
    script = f"set -- y && {COMMIT} && git checkout -q --detach HEAD~1 && set -- x && {COMMIT}"
    repo = project(PLAN.format(cmd=_agent(script)))
    r = run_phasegate("run", cwd=repo)
    assert r.code == 1, r.out + r.err
    efforts, _ = states(repo)
    assert efforts["a"][0] == "failed"
    assert "detached HEAD" in efforts["a"][1] and "does not contain" in efforts["a"][1]
    assert _events(repo, "effort.merged") == []
    assert git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration").count("a/") == 0


TWO = """
version: 1
project: integrity
agents: {max: 1, retries: 0, timeout: 60s, command: "true"}
phases:
  - id: p1
    gate: {checks: [{name: gate, run: "true"}]}
efforts:
  - {id: a, files: ["a/**"], command: "sh -c 'echo a > a.txt && git add -A && git commit -qm a'"}
  - id: b
    files: ["b/**"]
    depends_on: [a]
    command: "sh -c 'echo b > b.txt && git add -A && git commit -qm b && AGENT_MOVES_INTEGRATION'"
"""


def test_integration_reset_by_an_agent_stops_the_run(project, states) -> None:  # type: ignore[no-untyped-def]
    reset = "git -C ../../integration reset -q --hard HEAD~1"
    repo = project(TWO.replace("AGENT_MOVES_INTEGRATION", reset))
    r = run_phasegate("run", "--json", cwd=repo)
    assert r.code == 1, r.out + r.err
    doc = json.loads(r.out)
    assert "merged work is missing" in doc["reasons"][0] and "a (" in doc["reasons"][0]
    efforts, phases = states(repo)
    assert efforts["b"][0] != "done" or not _events(repo, "effort.merged")[1:]
    assert phases["p1"][0] != "passed"
    st = run_phasegate("status", cwd=repo)
    assert "merged work is missing" in st.out, st.out
    js = json.loads(run_phasegate("status", "--json", cwd=repo).out)
    assert "merged work is missing" in (js.get("integrity") or "")
    # Put back, the next run carries on and finishes.
    good = git(repo, "rev-parse", "phasegate/integration@{1}")
    git(repo / ".phasegate" / "integration", "reset", "-q", "--hard", good)
    r = run_phasegate("run", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "merged work is missing" not in run_phasegate("status", cwd=repo).out


def test_a_foreign_commit_on_integration_is_named_not_merged_over(project, states) -> None:  # type: ignore[no-untyped-def]
    foreign = (
        "echo z > ../../integration/z.txt && git -C ../../integration add -A"
        " && git -C ../../integration commit -qm sneaky"
    )
    repo = project(TWO.replace("AGENT_MOVES_INTEGRATION", foreign))
    r = run_phasegate("run", "--json", cwd=repo)
    assert r.code == 1, r.out + r.err
    doc = json.loads(r.out)
    assert "did not make" in doc["reasons"][0] and "'sneaky'" in doc["reasons"][0]
    assert len(_events(repo, "effort.merged")) == 1  # a only; b was not merged over it
    _, phases = states(repo)
    assert phases["p1"][0] != "passed"
    gate = run_phasegate("gate", "p1", cwd=repo)
    assert gate.code == 1 and "sneaky" in gate.err, gate.out + gate.err


GATED = """
version: 1
project: tidy
agents: {max: 1, retries: 0, timeout: 60s, command: "true"}
phases:
  - id: p1
    gate: {checks: [{name: writes output, run: "mkdir -p cov && echo 1 > cov/out.txt && echo 1 > report.txt"}]}
  - id: p2
efforts:
  - {id: a, phase: p1, files: ["a/**"], command: "sh -c 'echo a > a.txt && git add -A && git commit -qm a'"}
  - id: b
    phase: p2
    files: ["b/**"]
    command: "sh -c 'echo b > report.txt && mkdir -p cov && echo b > cov/out.txt && git add -A && git commit -qm b'"
"""


def test_a_persons_files_in_the_integration_checkout_are_kept(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(GATED)
    integ = repo / ".phasegate" / "integration"
    git(repo, "worktree", "add", "-q", "-b", "phasegate/integration", str(integ), "main")
    (integ / "notes.txt").write_text("mine\n")
    (integ / "scratch").mkdir()
    (integ / "scratch" / "wip.py").write_text("print(1)\n")
    r = run_phasegate("run", cwd=repo)
    # The gate's own output (which b's merge would trip over) is gone; the person's stays.
    assert r.code == 0, r.out + r.err
    assert (integ / "notes.txt").read_text() == "mine\n"
    assert (integ / "scratch" / "wip.py").exists()
    assert (integ / "report.txt").read_text() == "b\n"
