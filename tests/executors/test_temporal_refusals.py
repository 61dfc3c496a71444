"""What the Temporal executor and `phasegate worker` refuse, each with exit 2 and a message
saying what to do, before anything is recorded or started."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

from support import git, init_repo, run_phasegate

PLAN = """\
version: 1
project: refusals
{extra}
agents: {{command: "true"}}
efforts:
  - {{id: a}}
"""


def _repo(tmp_path: Path, extra: str) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "phasegate.yaml").write_text(textwrap.dedent(PLAN.format(extra=extra)))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_temporal_executor_needs_a_shared_remote(tmp_path: Path, pg_url: str) -> None:
    repo = _repo(tmp_path, "executor: {kind: temporal}")
    r = run_phasegate("run", "--db", pg_url, cwd=repo)
    assert r.code == 2, r.out + r.err
    assert "needs repo.remote" in r.err and "Traceback" not in r.err


def test_temporal_executor_needs_a_store_every_worker_reaches(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "repo: {remote: ../remote.git}\nexecutor: {kind: temporal}")
    r = run_phasegate("run", cwd=repo)
    assert r.code == 2, r.out + r.err
    assert "--db postgresql://" in r.err


def test_unreachable_temporal_is_a_clear_error(tmp_path: Path, pg_url: str) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = _repo(tmp_path, "repo: {remote: ../remote.git}")
    address = f"127.0.0.1:{_closed_port()}"
    r = run_phasegate(
        "run", "--executor", "temporal", "--temporal", address, "--db", pg_url, cwd=repo
    )  # fmt: skip
    assert r.code == 2, r.out + r.err
    assert f"cannot reach Temporal at {address}" in r.err and "Traceback" not in r.err


def test_run_executor_option_is_checked_and_shown_by_dry_run(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "repo: {remote: ../remote.git}")
    bad = run_phasegate("run", "--executor", "ray", "--dry-run", cwd=repo)
    assert bad.code == 2 and "--executor ray: use local or temporal" in bad.err
    dry = run_phasegate(
        "run", "--executor", "temporal", "--temporal", "10.1.2.3:7233", "--dry-run", cwd=repo
    )  # fmt: skip
    assert dry.code == 0, dry.err
    assert "phasegate workers via Temporal at 10.1.2.3:7233" in dry.out


def test_plan_rejects_an_unknown_executor_kind_with_its_line(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "executor: {kind: celery}")
    r = run_phasegate("check", cwd=repo)
    assert r.code != 0
    assert "phasegate.yaml:3" in r.out + r.err


def test_worker_refuses_bad_options(tmp_path: Path) -> None:
    r = run_phasegate("worker", "--slots", "0", "--repo-cache", str(tmp_path / "c"))
    assert r.code == 2, r.out + r.err
    assert "--slots must be at least 1" in r.err


def test_two_workers_never_share_one_repo_cache(tmp_path: Path) -> None:
    import fcntl

    cache = tmp_path / "cache"
    cache.mkdir()
    with open(cache / ".worker.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running worker holds it
        r = run_phasegate("worker", "--repo-cache", str(cache), "--temporal", "127.0.0.1:1")
    assert r.code == 2, r.out + r.err
    assert "another phasegate worker uses the repo cache" in r.err
