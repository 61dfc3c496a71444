"""`phasegate clean` deletes nothing of anyone's and reports every worktree it looked at."""

from __future__ import annotations

import json

from support import git, run_phasegate

PLAN = """
version: 1
project: clean
agents: {max: 1, retries: 0, timeout: 60s, command: "true"}
efforts:
  - {id: a, files: ["a/**"], command: "sh -c 'mkdir -p a && echo a > a/a && git add -A && git commit -qm a'"}
  - {id: b, files: ["b/**"], command: "sh -c 'mkdir -p b && echo b > b/b && git add -A && git commit -qm b'"}
"""


def test_ignored_files_keep_their_worktree_unless_asked(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN, {".gitignore": "*.local\nbuild/\n"})
    assert run_phasegate("run", cwd=repo).code == 0
    wt = repo / ".phasegate" / "worktrees" / "a"
    (wt / "notes.local").write_text("my notes\n")
    (wt / "build").mkdir()
    (wt / "build" / "out.bin").write_bytes(b"\0\1")
    r = run_phasegate("clean", "--json", cwd=repo)
    assert r.code == 1, r.out + r.err
    doc = json.loads(r.out)
    assert doc["removed"] == ["b"]
    (kept,) = doc["kept"]
    assert kept["effort"] == "a" and sorted(kept["ignored"]) == ["build/", "notes.local"]
    assert "--include-ignored" in kept["reason"]
    assert (wt / "notes.local").read_text() == "my notes\n"
    assert (wt / "build" / "out.bin").exists()
    r = run_phasegate("clean", "--include-ignored", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert "removed worktree of a" in r.out and not wt.exists()


def test_a_worktree_git_refuses_to_remove_does_not_stop_the_others(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    assert run_phasegate("run", cwd=repo).code == 0
    wt = repo / ".phasegate" / "worktrees" / "a"
    git(repo, "worktree", "lock", str(wt))
    r = run_phasegate("clean", cwd=repo)
    assert r.code == 1, r.out + r.err
    assert "removed worktree of b" in r.out
    assert "kept worktree of a: git refused" in r.out and "unlock" in r.out
    assert wt.exists() and not (repo / ".phasegate" / "worktrees" / "b").exists()
    assert "Traceback" not in r.err
