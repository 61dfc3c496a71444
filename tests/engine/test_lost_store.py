"""A missing, empty or replaced store is never taken for a fresh start."""

from __future__ import annotations

import os
import time
from pathlib import Path

from support import git, run_phasegate

PLAN = """
version: 1
project: lost
agents: {max: 1, retries: 0, timeout: 60s, command: "true"}
efforts:
  - {id: a, files: ["a/**"], command: "sh -c 'echo a > a.txt && git add -A && git commit -qm a'"}
  - {id: b, files: ["b/**"], depends_on: [a], command: "AGENT_B", allow_empty: true}
"""


def test_a_truncated_store_is_refused_and_nothing_runs_again(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN.replace("AGENT_B", "true"))
    assert run_phasegate("run", cwd=repo).code == 0
    before = git(repo, "rev-parse", "phasegate/integration")
    db = repo / ".phasegate" / "state.db"
    for name in ("state.db-wal", "state.db-shm"):
        (repo / ".phasegate" / name).unlink(missing_ok=True)
    os.truncate(db, 0)
    r = run_phasegate("run", cwd=repo)
    assert r.code == 2, r.out + r.err
    assert "missing or empty" in r.err and "Restore the store" in r.err
    assert "Traceback" not in r.err
    assert git(repo, "rev-parse", "phasegate/integration") == before
    # Writers refuse too: nothing is recorded into a store that lost its history.
    rep = run_phasegate("report", "a", "--note", "hello", cwd=repo)
    assert rep.code == 2 and "missing or empty" in rep.err, rep.out + rep.err


def test_report_never_creates_the_store_it_was_pointed_at(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN.replace("AGENT_B", "true"))
    r = run_phasegate(
        "report", "a", "--note", "hi", "--db", str(tmp_path / "typo" / "x.db"), cwd=repo
    )
    assert r.code == 2, r.out + r.err
    assert "no such store" in r.err
    assert not (tmp_path / "typo").exists()


def test_the_engine_stops_when_its_store_is_deleted_under_it(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # b's agent deletes the store, then takes a moment before it exits.
    agent = "sh -c 'rm -f $PHASEGATE_DB $PHASEGATE_DB-wal $PHASEGATE_DB-shm; sleep 1'"
    repo = project(PLAN.replace("AGENT_B", agent))
    t0 = time.monotonic()
    r = run_phasegate("run", cwd=repo, timeout=60)
    assert r.code == 2, r.out + r.err
    assert "was removed while in use" in r.err
    assert "Traceback" not in r.err
    assert time.monotonic() - t0 < 30
    # Nothing was written to the deleted file's replacement: the store is simply gone.
    assert not (repo / ".phasegate" / "state.db").exists()
