"""Rollback of a merged effort on a real repository with a real store."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from phasegate.store import open_store
from support import git, run_phasegate

PLAN = """\
version: 1
project: rollback-demo
repo: {base: main, integration: phasegate/integration}
phases:
  - id: p1
    gate:
      checks: [{name: consistent, run: "sh check.sh"}]
efforts:
  - {id: a, branch: phasegate/a, files: ["a/**"], deliverables: [a]}
  - {id: b, branch: phasegate/b, files: ["b/**"], depends_on: [a], deliverables: [b]}
  - {id: c, branch: phasegate/c, files: ["c/**"], deliverables: [c]}
"""
# b's code uses a's: the gate fails when b is present without a.
CHECK = "test ! -e b/uses-a.txt || test -e a/feature.txt\n"


def _commit(wt: Path, files: dict[str, str], msg: str) -> None:
    for name, text in files.items():
        (wt / name).parent.mkdir(parents=True, exist_ok=True)
        (wt / name).write_text(text)
    git(wt, "add", *files)
    git(wt, "commit", "-q", "-m", msg)


def _gate_passes(repo: Path, ref: str, tmp: Path) -> bool:
    wt = tmp / f"gate-{ref.replace('/', '_')}"
    git(repo, "worktree", "add", "-q", "--detach", str(wt), ref)
    try:
        return subprocess.run(["sh", "check.sh"], cwd=wt).returncode == 0
    finally:
        git(repo, "worktree", "remove", "--force", str(wt))


@pytest.fixture
def merged(repo: Path, tmp_path: Path) -> Path:
    """a, b (stacked on a) and c merged with --no-ff into the integration branch, with the
    events the run engine records for each merge."""
    _commit(
        repo,
        {"phasegate.yaml": PLAN, "check.sh": CHECK, ".gitignore": ".phasegate/\n"},
        "plan and gate",
    )
    git(repo, "branch", "phasegate/integration")
    work = tmp_path / "work"
    git(repo, "worktree", "add", "-q", "-b", "phasegate/a", str(work), "main")
    _commit(work, {"a/feature.txt": "a\n"}, "a")
    git(work, "checkout", "-q", "-b", "phasegate/b")
    _commit(work, {"b/uses-a.txt": "b\n"}, "b")
    git(work, "checkout", "-q", "-b", "phasegate/c", "main")
    _commit(work, {"c/other.txt": "c\n"}, "c")
    git(work, "checkout", "-q", "phasegate/integration")
    store = open_store(None, state_dir=repo / ".phasegate")
    with store:
        for e in ("a", "b", "c"):
            git(work, "merge", "-q", "--no-ff", "-m", f"merge {e}", f"phasegate/{e}")
            store.transition(e, "running")
            store.transition(e, "done")
            commit = git(work, "rev-parse", "HEAD")
            store.append(
                "effort.merged", effort=e, data={"commit": commit, "into": "phasegate/integration"}
            )
    git(work, "checkout", "-q", "--detach")
    git(repo, "worktree", "remove", "--force", str(work))
    return repo


def test_rollback_reverts_effort_and_merged_dependents(merged: Path, tmp_path: Path) -> None:
    repo = merged
    before = git(repo, "rev-parse", "phasegate/integration")
    head_before = git(repo, "rev-parse", "HEAD")
    assert _gate_passes(repo, before, tmp_path)

    r = run_phasegate("rollback", "a", "--reason", "breaks the build", "--json", cwd=repo)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["rework"] == ["b", "a"]  # newest merge reverted first

    after = git(repo, "rev-parse", "phasegate/integration")
    # History intact: the old tip is an ancestor of the new one, two revert commits on top.
    subprocess.run(["git", "merge-base", "--is-ancestor", before, after], cwd=repo, check=True)
    assert git(repo, "rev-list", "--count", f"{before}..{after}") == "2"
    tree = git(repo, "ls-tree", "-r", "--name-only", after).split()
    assert "a/feature.txt" not in tree and "b/uses-a.txt" not in tree
    assert "c/other.txt" in tree
    assert _gate_passes(repo, after, tmp_path)
    assert git(repo, "rev-parse", "HEAD") == head_before  # the user's checkout is untouched
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""

    with open_store(None, state_dir=repo / ".phasegate") as store:
        views = store.efforts()
        assert (views["a"].state, views["a"].merged) == ("rework", False)
        assert (views["b"].state, views["b"].merged) == ("rework", False)
        assert (views["c"].state, views["c"].merged) == ("done", True)
        unmerged = store.events(kinds=["effort.unmerged"])
        assert {ev.effort for ev in unmerged} == {"a", "b"}
        assert all(ev.data["revert_commit"] for ev in unmerged)
        assert "breaks the build" in unmerged[-1].data["reason"]

    st = run_phasegate("status", "--json", cwd=repo)
    assert st.code == 0, st.err
    states = {e["id"]: e["state"] for e in json.loads(st.out)["efforts"]}
    assert states == {"a": "rework", "b": "rework", "c": "done"}


def test_rollback_refuses_an_effort_that_is_not_merged(merged: Path) -> None:
    assert run_phasegate("rollback", "c", cwd=merged).code == 0
    r = run_phasegate("rollback", "c", cwd=merged)
    assert r.code == 1
    assert r.err.strip().count("\n") == 0 and "not merged" in r.err
    r = run_phasegate("rollback", "zz", cwd=merged)
    assert r.code == 2 and "unknown effort" in r.err


def test_rollback_fast_forwards_a_checked_out_integration_branch(merged: Path) -> None:
    git(merged, "checkout", "-q", "phasegate/integration")
    r = run_phasegate("rollback", "c", "--reason", "not wanted", cwd=merged)
    assert r.code == 0, r.err
    assert not (merged / "c" / "other.txt").exists()  # the checkout followed the branch
    assert git(merged, "status", "--porcelain", "--untracked-files=no") == ""


def test_rollback_refuses_a_dirty_checkout_of_the_integration_branch(merged: Path) -> None:
    git(merged, "checkout", "-q", "phasegate/integration")
    (merged / "c" / "other.txt").write_text("local edit\n")
    tip = git(merged, "rev-parse", "phasegate/integration")
    r = run_phasegate("rollback", "c", cwd=merged)
    assert r.code == 1 and "uncommitted changes" in r.err
    assert git(merged, "rev-parse", "phasegate/integration") == tip
    assert (merged / "c" / "other.txt").read_text() == "local edit\n"


RERUN = """\
version: 1
project: rework
agents: {max: 2, command: "python -m phasegate.agents.scripted", retries: 0}
phases:
  - {id: p, gate: {checks: [{run: "test -f out/a.txt && test -f out/b.txt"}]}}
efforts:
  - {id: a, files: ["out/a.txt"], checks: [{run: "test -f out/a.txt"}]}
  - {id: b, depends_on: [a], files: ["out/b.txt"], checks: [{run: "test -f out/b.txt"}]}
  - {id: n, command: "true", allow_empty: true}
"""


def test_rolled_back_work_lands_again_when_its_rework_merges(repo: Path) -> None:
    _commit(repo, {"phasegate.yaml": RERUN, ".gitignore": ".phasegate/\n"}, "plan")
    quiet = {"PHASEGATE_SCRIPTED_NO_REPORT": "1"}
    assert run_phasegate("run", "--plain", cwd=repo, env=quiet).code == 0

    def tree() -> str:
        return git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")

    # n's branch brought nothing of its own: no merge of its to revert, and not a's either.
    r = run_phasegate("rollback", "n", "--reason", "redo n", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "n brought no changes to revert" in r.out and "out/a.txt" in tree()

    r = run_phasegate("rollback", "a", "--reason", "bad a", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "out/a.txt" not in tree() and "out/b.txt" not in tree()
    with open_store(None, state_dir=repo / ".phasegate") as store:
        assert store.phases()["p"].state == "open"  # the gate judges the redone work

    r = run_phasegate("run", "--plain", cwd=repo, env=quiet)
    assert r.code == 0, r.out + r.err
    assert "out/a.txt" in tree() and "out/b.txt" in tree()
    # b waited for a's rework: it started only after a was merged again.
    lines = r.out.splitlines()
    a_merged = next(i for i, x in enumerate(lines) if "effort a" in x and "merged into" in x)
    b_started = next(i for i, x in enumerate(lines) if "effort b" in x and "running" in x)
    assert b_started > a_merged
    with open_store(None, state_dir=repo / ".phasegate") as store:
        assert store.phases()["p"].state == "passed"
        assert {k: v.state for k, v in store.efforts().items()} == dict.fromkeys("abn", "done")


@pytest.mark.parametrize("label", ["rollback-intent", "rollback-reverted"])
def test_a_rollback_killed_midway_is_finished_by_the_next_once(repo: Path, label: str) -> None:
    _commit(repo, {"phasegate.yaml": RERUN, ".gitignore": ".phasegate/\n"}, "plan")
    quiet = {"PHASEGATE_SCRIPTED_NO_REPORT": "1"}
    assert run_phasegate("run", "--plain", cwd=repo, env=quiet).code == 0
    before = git(repo, "rev-parse", "phasegate/integration")

    r = run_phasegate(
        "rollback", "a", "--reason", "bad a", cwd=repo, env={"PHASEGATE_CRASH_AT": label}
    )
    assert r.code == -9, r.out + r.err
    r = run_phasegate("rollback", "a", "--reason", "bad a", cwd=repo)
    assert r.code == 0, r.out + r.err
    # Once: one revert for each of a and b, none empty, both recorded.
    added = git(repo, "rev-list", "--first-parent", f"{before}..phasegate/integration").split()
    assert len(added) == 2
    for c in added:
        assert git(repo, "diff", "--name-only", f"{c}^", c), f"empty revert {c}"
    with open_store(None, state_dir=repo / ".phasegate") as store:
        unmerged = {
            ev.effort: ev.data["revert_commit"] for ev in store.events(kinds=["effort.unmerged"])
        }
    assert set(unmerged) == {"a", "b"} and set(unmerged.values()) == set(added)
    # No scratch worktree is left registered.
    listed = git(repo, "worktree", "list", "--porcelain")
    assert "phasegate-revert" not in listed
    # The rework brings the work back, and the integration check is satisfied.
    r = run_phasegate("run", "--plain", cwd=repo, env=quiet)
    assert r.code == 0, r.out + r.err
    tree = git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")
    assert "out/a.txt" in tree and "out/b.txt" in tree
