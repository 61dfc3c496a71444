"""A conflict from start to finish on real git: two efforts rewrite the same line, one merges,
the other ends conflicted, and the conflict is resolved by a person or by a resolver attempt
without an override, without false scope drift, and with the finding judged resolved."""

from __future__ import annotations

import json
from pathlib import Path

from phasegate.store import open_store
from support import git, run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted --collide shared/collide.txt"


def plan(resolve: bool) -> str:
    return f"""
version: 1
project: clash
agents: {{max: 1, command: "{SCRIPTED}", retries: 0, timeout: 60s,
          resolve_conflicts: {str(resolve).lower()}}}
phases:
  - id: p1
    gate:
      checks: [{{name: both, run: "test -f x1/x1.txt && test -f x2/x2.txt"}}]
      require: {{conflicts: 0}}
efforts:
  - {{id: x1, files: ["x1/**", "shared/**"], checks: [{{run: "test -f x1/x1.txt"}}]}}
  - {{id: x2, files: ["x2/**", "shared/**"], checks: [{{run: "test -f x2/x2.txt"}}]}}
"""


FILES = {"shared/collide.txt": "original line\n"}
ENV = {"PHASEGATE_SCRIPTED_NO_REPORT": "1"}


def _events(repo: Path, kind: str) -> list[dict[str, object]]:
    with open_store(None, state_dir=repo / ".phasegate") as store:
        return [
            {"effort": e.effort, "attempt": e.attempt, **e.data} for e in store.events(kinds=[kind])
        ]


def _no_drift(repo: Path) -> None:
    drift = _events(repo, "conflict.drift")
    assert drift == [], drift
    doc = json.loads(run_phasegate("conflicts", "--json", cwd=repo).out)
    assert doc["scope"] == []


def test_a_person_resolves_the_conflict(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(plan(resolve=False), FILES)
    r = run_phasegate("run", "--plain", cwd=repo, env=ENV)
    assert r.code == 1, r.out + r.err
    efforts, phases = states(repo)
    assert efforts["x1"][0] == "done"
    assert efforts["x2"][0] == "conflicted", efforts
    # `phasegate conflicts` shows the conflicted effort and its files, by default.
    c = run_phasegate("conflicts", "--json", cwd=repo)
    doc = json.loads(c.out)
    assert [(x["effort"], x["files"]) for x in doc["conflicted"]] == [
        ("x2", ["shared/collide.txt"])
    ]
    assert doc["findings"]["open"], doc

    r = run_phasegate("resolve", "x2", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "shared/collide.txt" in r.out and "written by x1" in r.out and "written by x2" in r.out
    wt = repo / ".phasegate" / "worktrees" / "x2"
    text = (wt / "shared" / "collide.txt").read_text()
    assert "<<<<<<<" in text and ">>>>>>>" in text
    assert (wt / ".git").exists() and git(wt, "rev-parse", "-q", "--verify", "MERGE_HEAD")

    # Done before the merge is concluded is refused: the checks would judge conflict markers.
    early = run_phasegate("done", "x2", cwd=repo)
    assert early.code == 1 and "merge is in progress" in early.err
    # The person fixes the file, commits, and says it is done.
    (wt / "shared" / "collide.txt").write_text("written by x1\nwritten by x2\n")
    git(wt, "commit", "-q", "-am", "resolve the clash with x1")
    d = run_phasegate("done", "x2", cwd=repo)
    assert d.code == 0, d.out + d.err
    assert states(repo)[0]["x2"][0] == "done"

    r = run_phasegate("run", "--plain", cwd=repo, env=ENV)
    assert r.code == 0, r.out + r.err
    efforts, phases = states(repo)
    assert phases["p1"][0] == "passed"  # no override
    assert not _events(repo, "gate.override")
    integ = repo / ".phasegate" / "integration"
    assert (integ / "shared" / "collide.txt").read_text() == "written by x1\nwritten by x2\n"
    doc = json.loads(run_phasegate("conflicts", "--json", cwd=repo).out)
    assert doc["findings"]["open"] == [] and doc["conflicted"] == []
    assert any(
        {f["a"], f["b"]} == {"phasegate/x2", "phasegate/integration"}
        for f in doc["findings"]["resolved"]
    ), doc["findings"]
    _no_drift(repo)


def test_a_resolver_attempt_resolves_the_conflict(project, states) -> None:  # type: ignore[no-untyped-def]
    repo = project(plan(resolve=True), FILES)
    r = run_phasegate("run", "--plain", cwd=repo, env=ENV)
    assert r.code == 0, r.out + r.err
    efforts, phases = states(repo)
    assert efforts["x1"][0] == "done" and efforts["x2"][0] == "done"
    assert phases["p1"][0] == "passed"
    runs = [
        e for e in _events(repo, "effort.state") if e["effort"] == "x2" and e["to"] == "running"
    ]
    assert [x.get("kind") for x in runs] == [None, "resolve"]
    brief = (repo / ".phasegate" / "briefs" / "x2.2.md").read_text()
    assert "Resolve the conflict first" in brief and "shared/collide.txt" in brief
    assert "x1" in brief and "What happened before" in brief
    integ = repo / ".phasegate" / "integration"
    lines = (integ / "shared" / "collide.txt").read_text().splitlines()
    assert sorted(lines) == ["written by x1", "written by x2"]
    doc = json.loads(run_phasegate("conflicts", "--json", cwd=repo).out)
    assert doc["findings"]["open"] == []
    _no_drift(repo)


def test_findings_are_judged_again() -> None:
    from phasegate.conflicts import Finding
    from phasegate.conflicts.rejudge import verdicts

    f = [
        Finding("b1", "b2", ("x",), ("content",)),
        Finding("b3", "integration", ("y",), ("content",)),
        Finding("b4", "b5", ("z",), ("content",)),
        Finding("b6", "b7", ("w",), ("content",)),
    ]
    tips = {n: "c" for n in ("b1", "b2", "b3", "integration", "b4", "b5", "b6")} | {"b7": None}
    got = verdicts(f, {"b3", "integration"}, tips, {("b1", "b2")})
    assert [(r.a, r.b, r.why) for r in got] == [
        ("b1", "b2", "the pair merges cleanly now"),
        ("b3", "integration", "both branches are merged"),
        ("b6", "b7", "branch b7 no longer exists"),
    ]
