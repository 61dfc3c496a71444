"""kill -9 the engine at every labelled commit point, run again: nothing runs twice, nothing
is lost, and the end state is the one an uninterrupted run reaches."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from phasegate.engine.crash import POINTS
from support import EXAMPLES, git

# The agent counts its runs in $RUNS and leaves its file uncommitted for phasegate to commit.
AGENT = (
    'echo "$PHASEGATE_EFFORT $PHASEGATE_ATTEMPT" >> "$RUNS"; mkdir -p out; '
    'echo "$PHASEGATE_EFFORT" > "out/$PHASEGATE_EFFORT.txt"'
)
PLAN = f"""
version: 1
project: crash
agents: {{max: 2, command: '{AGENT}', retries: 0}}
phases:
  - id: p
    entry: [{{run: "test -f README.md"}}]
    gate:
      checks: [{{run: "test -f out/a.txt && test -f out/b.txt && test -f out/d.txt"}}]
efforts:
  - {{id: a, files: ["out/a.txt"], checks: [{{run: "test -f out/a.txt"}}]}}
  - {{id: b, depends_on: [a], files: ["out/b.txt"], checks: [{{run: "test -f out/b.txt"}}]}}
  - {{id: c, files: ["out/c.txt"], checks: [{{run: "test -f out/c.txt"}}]}}
  - {{id: d, size: 0.5, files: ["out/d.txt"], checks: [{{run: "test -f out/d.txt"}}]}}
"""
# Second and third arrivals too, so the crash also lands while another agent is in flight.
LATER = ["running@2", "exited@2", "merged-git@3", "done@2"]


def _run(repo: Path, env: dict[str, str], *args: str) -> int:
    import os

    full = {**os.environ, **env}
    p = subprocess.run(
        [sys.executable, "-m", "phasegate", "run", "--plain", *args],
        cwd=repo, env=full, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return p.returncode


def _final(repo: Path, db: str | None = None) -> tuple[dict[str, str], dict[str, str], list[str]]:
    from phasegate.store import open_store

    with open_store(db, state_dir=repo / ".phasegate") as store:
        efforts = {k: v.state for k, v in store.efforts().items()}
        merged = {k: v.merged for k, v in store.efforts().items()}
        phases = {k: v.state for k, v in store.phases().items()}
    assert all(merged.values()), merged
    tree = git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration").splitlines()
    return efforts, phases, tree


def _sweep(label: str, make_repo, runs: Path, reference, *args: str, db: str | None = None) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo()
    env = {"RUNS": str(runs), "PHASEGATE_SCRIPTED_RUNS": str(runs)}
    if db is not None:
        env["PHASEGATE_DB"] = db
    first = _run(repo, {**env, "PHASEGATE_CRASH_AT": label}, *args)
    assert first == -9, f"the engine did not reach {label}"
    assert _run(repo, env, *args) == 0
    counts = Counter(line.split()[0] for line in runs.read_text().splitlines())
    assert set(counts.values()) == {1}, f"an agent ran twice after a crash at {label}: {counts}"
    assert _final(repo, db) == reference(), f"state after a crash at {label} differs"


def _plan_repo(path: Path) -> Path:
    from support import init_repo

    repo = init_repo(path)
    (repo / "phasegate.yaml").write_text(PLAN)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The end state of an uninterrupted run, computed once."""
    root = tmp_path_factory.mktemp("reference")
    clean = _plan_repo(root / "repo")
    runs = root / "runs"
    assert _run(clean, {"RUNS": str(runs)}) == 0
    assert len(runs.read_text().splitlines()) == 4
    final = _final(clean)
    return lambda: final


@pytest.mark.parametrize("label", POINTS)
def test_crash_at_every_point_then_resume(label: str, project, reference, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _sweep(label, lambda: project(PLAN), tmp_path / "runs", reference)


@pytest.mark.parametrize("label", POINTS)
def test_crash_at_every_point_then_resume_on_postgres(  # type: ignore[no-untyped-def]
    label: str, project, reference, tmp_path: Path, pg_url: str
) -> None:
    """The same sweep with the team store: the engine's state lives on the server, its
    run lock is the server's, and a kill -9 must still leave every agent run once."""
    _sweep(label, lambda: project(PLAN), tmp_path / "runs", reference, db=pg_url)


@pytest.mark.slow
@pytest.mark.parametrize("label", LATER)
def test_crash_at_later_arrivals(label: str, project, reference, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _sweep(label, lambda: project(PLAN), tmp_path / "runs", reference)


def _kcp_repo(root: Path) -> Path:
    from support import init_repo

    repo = init_repo(root)
    api = repo / "pkg/apis/placement/v1alpha1"
    api.mkdir(parents=True)
    (api / "types.go").write_text("package v1alpha1\n")
    shutil.copy(EXAMPLES / "kcp-phase8.yaml", repo / "phasegate.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


@pytest.mark.slow
@pytest.mark.parametrize("label", POINTS)
def test_crash_sweep_kcp_with_scripted_agent(label: str, tmp_path: Path) -> None:
    """The full seed plan with the bundled agent reporting to the store; one agent at a
    time, so that efforts also wait in `ready`."""
    runs = tmp_path / "runs"
    counter = iter(range(1000))

    def reference() -> tuple[dict[str, str], dict[str, str], list[str]]:
        clean = _kcp_repo(tmp_path / "reference")
        assert _run(clean, {}, "--agents", "1") == 0
        return _final(clean)

    make = lambda: _kcp_repo(tmp_path / f"repo{next(counter)}")  # noqa: E731
    _sweep(label, make, runs, reference, "--agents", "1")
