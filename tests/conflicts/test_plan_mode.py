"""`phasegate conflicts` with a plan: live effort branches, the integration branch,
predicted conflicts and scope drift; and the engine's merge check and findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phasegate.conflicts import check_before_merge, open_findings, record_findings
from phasegate.store import open_store
from support import git, run_phasegate

PLAN = """\
version: 1
project: demo
repo: {base: main, integration: phasegate/integration}
phases: [{id: p1}]
efforts:
  - {id: api, branch: phasegate/api, files: ["src/api/**"], deliverables: [x]}
  - {id: ui, branch: phasegate/ui, files: ["src/ui/**", "src/api/types.py"], deliverables: [x]}
  - {id: docs, branch: phasegate/docs, files: ["docs/**"], depends_on: [api], deliverables: [x]}
"""


def _commit(repo: Path, branch: str, start: str, files: dict[str, str]) -> None:
    git(repo, "checkout", "-q", "-B", branch, start)
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", *files)
    git(repo, "commit", "-q", "-m", f"work on {branch}")


@pytest.fixture
def project(repo: Path) -> Path:
    _commit(
        repo,
        "main",
        "main",
        {"phasegate.yaml": PLAN, "src/api/types.py": "T = 1\n", ".gitignore": ".phasegate/\n"},
    )
    git(repo, "branch", "phasegate/integration")
    _commit(repo, "phasegate/api", "main", {"src/api/types.py": "T = 2\n", "src/api/h.py": "h\n"})
    _commit(
        repo,
        "phasegate/ui",
        "main",
        {"src/api/types.py": "T = 3\n", "src/ui/v.py": "v\n", "setup.cfg": "drift\n"},
    )
    _commit(repo, "phasegate/docs", "phasegate/api", {"docs/api.md": "api\n"})
    git(repo, "checkout", "-q", "main")
    return repo


def test_plan_mode_reports_all_three_kinds(project: Path) -> None:
    r = run_phasegate("conflicts", "--json", cwd=project)
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    assert [(t["a"], t["b"], t["files"], t["kinds"]) for t in doc["textual"]] == [
        ("phasegate/api", "phasegate/ui", ["src/api/types.py"], ["content"]),
        # docs is stacked on api, so it carries api's change into the same conflict
        ("phasegate/docs", "phasegate/ui", ["src/api/types.py"], ["content"]),
    ]
    # docs depends on api: not concurrent in the plan (and a fast-forward in git).
    assert [(p["a"], p["b"]) for p in doc["predicted"]] == [("api", "ui")]
    assert "add a dependency" in doc["predicted"][0]["suggestions"]
    scope = {s["effort"]: s["files"] for s in doc["scope"]}
    assert scope == {"ui": ["setup.cfg"]}  # docs inherits api's files without drifting
    assert set(doc["branches"]) == {
        "phasegate/api",
        "phasegate/ui",
        "phasegate/docs",
        "phasegate/integration",
    }


def test_live_branches_follow_the_store(project: Path) -> None:
    with open_store(None, state_dir=project / ".phasegate") as store:
        store.transition("api", "running")
        store.transition("docs", "running")  # ui stays pending: not live
    r = run_phasegate("conflicts", "--json", cwd=project)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["textual"] == []
    assert set(doc["branches"]) == {"phasegate/api", "phasegate/docs", "phasegate/integration"}


def test_integration_branch_is_checked_against_live_branches(project: Path) -> None:
    _commit(project, "phasegate/integration", "phasegate/integration", {"src/ui/v.py": "other\n"})
    git(project, "checkout", "-q", "main")
    doc = json.loads(run_phasegate("conflicts", "--json", cwd=project).out)
    pairs = {(t["a"], t["b"]): t for t in doc["textual"]}
    assert pairs[("phasegate/ui", "phasegate/integration")]["kinds"] == ["add/add"]


def test_human_output_and_clean_repository(project: Path, repo: Path) -> None:
    r = run_phasegate("conflicts", cwd=project)
    assert r.code == 1
    assert "phasegate/api <> phasegate/ui: content" in r.out
    assert "setup.cfg" in r.out and "add a dependency" in r.out
    r = run_phasegate("conflicts", "--branches", "nothing/*", "--json", cwd=project)
    assert r.code == 0 and json.loads(r.out)["textual"] == []


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    r = run_phasegate("conflicts", "--branches", "*", cwd=tmp_path)
    assert r.code == 2
    assert r.err.strip().count("\n") == 0 and "not inside a git repository" in r.err


def test_merge_check_records_and_resolves_findings(project: Path) -> None:
    found = check_before_merge(
        project,
        "phasegate/ui",
        ["phasegate/api", "phasegate/docs", "gone"],
        "phasegate/integration",
    )
    by = {f.b: f for f in found}
    assert set(by) == {"phasegate/api", "phasegate/docs", "phasegate/integration"}
    assert by["phasegate/api"].files == ("src/api/types.py",)
    assert by["phasegate/api"].kinds == ("content",)
    assert not by["phasegate/integration"].conflicting
    with open_store(None, state_dir=project / ".phasegate") as store:
        record_findings(store, found, effort="ui")
        assert [(f.a, f.b) for f in open_findings(store)] == [
            ("phasegate/ui", "phasegate/api"),
            ("phasegate/ui", "phasegate/docs"),
        ]
        # ui is redone on top of api's change: the pair now merges cleanly.
        _commit(project, "phasegate/ui", "phasegate/api", {"src/ui/v.py": "v\n"})
        again = check_before_merge(project, "phasegate/ui", ["phasegate/api", "phasegate/docs"], "")
        assert not any(f.conflicting for f in again)
        record_findings(store, again, effort="ui")
        assert open_findings(store) == []
        assert len(store.events(kinds=["conflict.resolved"])) == 2


def test_live_branches_for_the_engine(project: Path) -> None:
    from phasegate.conflicts import live_branches
    from phasegate.plan.load import load_plan

    plan = load_plan(str(project / "phasegate.yaml")).plan
    assert live_branches(project, plan, None) == ["phasegate/api", "phasegate/docs", "phasegate/ui"]
    with open_store(None, state_dir=project / ".phasegate") as store:
        store.transition("api", "running")
        store.transition("api", "done")
        store.append("effort.merged", effort="api", data={"commit": "x", "into": "i"})
        store.transition("ui", "running")
        assert live_branches(project, plan, store.efforts()) == ["phasegate/ui"]
