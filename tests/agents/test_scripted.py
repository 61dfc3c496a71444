"""The scripted agent: the files it picks, and its misbehaviour switches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from phasegate.agents.scripted import files_for
from phasegate.plan.model import Effort
from support import git, init_repo


def test_files_come_from_checks_then_globs() -> None:
    e = Effort.model_validate(
        {
            "id": "8.1.1",
            "title": "Workspace Discovery",
            "files": ["pkg/discovery/workspace_*.go", "docs/**"],
            "checks": [{"run": "test -f pkg/discovery/workspace_discoverer.go && go vet"}],
        }
    )
    assert files_for(e) == [
        "pkg/discovery/workspace_discoverer.go",
        "docs/workspace_discovery.txt",
    ]
    assert files_for(Effort(id="x")) == ["efforts/x.txt"]


def run_agent(repo: Path, effort: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PHASEGATE_EFFORT": effort, "PHASEGATE_PLAN": str(repo / "p.yaml"),
            "PHASEGATE_SCRIPTED_NO_REPORT": "1", **env}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "phasegate.agents.scripted", *args],
        cwd=repo, env=full, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_switches(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    (repo / "p.yaml").write_text(
        "version: 1\nproject: s\nefforts:\n  - {id: a, files: ['a/**']}\n"
        "  - {id: b, files: ['b/**']}\n"
    )
    runs = tmp_path / "runs"
    ok = run_agent(repo, "a", "--stray", "--collide", PHASEGATE_SCRIPTED_RUNS=str(runs))
    assert ok.returncode == 0, ok.stderr
    tree = git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert {"a/a.txt", "stray/a.txt", "shared/collide.txt"} <= set(tree)
    assert runs.read_text() == "a ?\n"
    failed = run_agent(repo, "b", PHASEGATE_SCRIPTED_FAIL="b,c")
    assert failed.returncode == 1 and "failing on purpose" in failed.stderr
    assert not (repo / "b").exists()
    left = run_agent(repo, "b", "--no-commit")
    assert left.returncode == 0
    assert "b/b.txt" in git(repo, "status", "--porcelain", "--untracked-files=all")
    missing = subprocess.run(
        [sys.executable, "-m", "phasegate.agents.scripted"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
    )
    assert missing.returncode == 2 and "PHASEGATE_EFFORT" in missing.stderr
