"""Fixtures for run-engine tests: a git repository holding a plan, and a store reader."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from support import git, init_repo

SCRIPTED = [sys.executable, "-m", "phasegate.agents.scripted"]


def write_project(root: Path, plan: str, files: dict[str, str] | None = None) -> Path:
    """A repository on `main` with `phasegate.yaml` and `files` committed."""
    repo = init_repo(root)
    (repo / "phasegate.yaml").write_text(textwrap.dedent(plan))
    for rel, text in (files or {}).items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    def make(plan: str, files: dict[str, str] | None = None, name: str = "repo") -> Path:
        return write_project(tmp_path / name, plan, files)

    return make


States = tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]


@pytest.fixture
def states() -> Callable[[Path], States]:
    return read_states


def read_states(repo: Path) -> States:
    """({effort: (state, reason)}, {phase: (state, reason)}) from the run's store."""
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        efforts = {k: (v.state, v.reason) for k, v in store.efforts().items()}
        phases = {k: (v.state, v.reason) for k, v in store.phases().items()}
    return efforts, phases
