"""Stacked branches, integration merges, leftover work and safe removal, on real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from phasegate.git.merge import integration_worktree, merge_done, stack
from phasegate.git.worktrees import changed_files, commit_leftover, listing, uncommitted
from support import git


def branch_with(repo: Path, name: str, files: dict[str, str]) -> None:
    git(repo, "checkout", "-q", "-b", name, "main")
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"work on {name}")
    git(repo, "checkout", "-q", "main")


def test_stack_merges_dependencies_and_is_idempotent(repo: Path, tmp_path: Path) -> None:
    branch_with(repo, "dep1", {"a.txt": "a\n"})
    branch_with(repo, "dep2", {"b.txt": "b\n"})
    wt = tmp_path / "wt"
    out = stack(repo, wt, "mine", "main", [("d1", "dep1"), ("d2", "dep2")])
    assert out.ok and (wt / "a.txt").exists() and (wt / "b.txt").exists()
    again = stack(repo, wt, "mine", "main", [("d1", "dep1"), ("d2", "dep2")])
    assert again.ok and again.already and again.commit == out.commit
    assert changed_files(repo, "dep1", ["main"]) == ["a.txt"]
    assert changed_files(repo, "mine", ["main", "dep1", "dep2"]) == []


def test_stack_conflict_names_files_and_aborts(repo: Path, tmp_path: Path) -> None:
    branch_with(repo, "dep1", {"same.txt": "one\n"})
    branch_with(repo, "dep2", {"same.txt": "two\n"})
    wt = tmp_path / "wt"
    out = stack(repo, wt, "mine", "main", [("d1", "dep1"), ("d2", "dep2")])
    assert not out.ok and out.conflicts == ["same.txt"] and out.branch == "dep2"
    assert out.reason == "merging dep2 conflicts in same.txt"
    assert uncommitted(wt) == []  # the merge was aborted cleanly


def test_integration_merge_is_no_ff_and_leaves_user_checkout(repo: Path, tmp_path: Path) -> None:
    branch_with(repo, "e1", {"x.txt": "x\n"})
    branch_with(repo, "e2", {"x.txt": "other\n"})
    head = git(repo, "rev-parse", "HEAD")
    integ = integration_worktree(repo, tmp_path / "integ", "integration", "main")
    first = merge_done(integ, "e1", "1", "One")
    assert first.ok
    assert git(repo, "log", "-1", "--format=%s", "integration") == "phasegate: merge 1 One (e1)"
    assert git(repo, "rev-list", "--count", "--merges", "integration") == "1"
    clash = merge_done(integ, "e2", "2")
    assert not clash.ok and clash.conflicts == ["x.txt"]
    assert uncommitted(integ) == []
    assert merge_done(integ, "e1", "1").already
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""


def test_leftover_work_is_committed_not_lost(repo: Path, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    stack(repo, wt, "mine", "main", [])
    assert commit_leftover(wt, "nothing") is None
    (wt / "new.txt").write_text("agent output\n")
    (wt / "README.md").write_text("changed\n")
    sha = commit_leftover(wt, "phasegate: left uncommitted")
    assert sha and uncommitted(wt) == []
    assert git(wt, "log", "-1", "--format=%s") == "phasegate: left uncommitted"
    assert any(w.branch == "mine" for w in listing(repo))


def _mid_merge(repo: Path, tmp_path: Path) -> Path:
    """A worktree on `mine` stopped in a conflicting merge of `side` (both edit f.txt)."""
    branch_with(repo, "side", {"f.txt": "side\n"})
    wt = tmp_path / "wt"
    stack(repo, wt, "mine", "main", [])
    (wt / "f.txt").write_text("mine\n")
    git(wt, "add", "f.txt")
    git(wt, "commit", "-q", "-m", "mine")
    assert subprocess.run(["git", "merge", "-q", "side"], cwd=wt, capture_output=True).returncode
    return wt


def test_leftover_keeps_a_resolved_merge(repo: Path, tmp_path: Path) -> None:
    wt = _mid_merge(repo, tmp_path)
    (wt / "f.txt").write_text("resolved carefully\n")
    git(wt, "add", "f.txt")
    (wt / "new.txt").write_text("more work\n")
    sha = commit_leftover(wt, "phasegate: left uncommitted")
    assert sha and uncommitted(wt) == []
    assert len(git(wt, "rev-list", "--parents", "-n", "1", "HEAD").split()) == 3  # a merge
    assert git(wt, "show", "HEAD:f.txt") == "resolved carefully"
    assert git(wt, "show", "HEAD:new.txt") == "more work"


def test_leftover_keeps_an_unresolved_merge_aside(repo: Path, tmp_path: Path) -> None:
    wt = _mid_merge(repo, tmp_path)
    (wt / "new.txt").write_text("more work\n")
    before = git(wt, "rev-parse", "HEAD")
    commit_leftover(wt, "phasegate: left uncommitted")
    assert git(wt, "rev-parse", "HEAD") == before  # the branch stays consistent
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/phasegate/unresolved/")
    (ref,) = refs.splitlines()
    assert git(repo, "show", f"{ref}:new.txt") == "more work"
    assert "<<<<<<<" in git(repo, "show", f"{ref}:f.txt")
