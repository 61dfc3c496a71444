"""phasegate store copy: a plan's history moves SQLite -> PostgreSQL -> SQLite and reads
back the same, and a copy never writes over anyone's history."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.store import open_store
from support import CliResult, git, init_repo, run_phasegate

Cli = Callable[..., CliResult]

AGENT = (
    'phasegate report "$PHASEGATE_EFFORT" --progress 60 --metric coverage=7$PHASEGATE_ATTEMPT '
    '--note "from $PHASEGATE_EFFORT" --cost 0.25 --tokens 40; '
    'if [ "$PHASEGATE_EFFORT" = b ]; then phasegate report b --blocker "flaky" --severity low; fi; '
    'mkdir -p out; echo x > "out/$PHASEGATE_EFFORT"'
)
PLAN = f"""
version: 1
project: copy
agents: {{max: 2, command: '{AGENT}'}}
metrics:
  - {{id: coverage, target: ">= 70"}}
phases:
  - id: p
    gate:
      checks: [{{run: "test -f out/a && test -f out/b"}}]
efforts:
  - {{id: a, files: ["out/a"], checks: [{{run: "test -f out/a"}}]}}
  - {{id: b, depends_on: [a], files: ["out/b"]}}
  - {{id: c, files: ["out/c"]}}
"""


def _views(cli: Cli, plan: Path, db: str) -> tuple[object, object]:
    status = cli("status", "-f", str(plan), "--db", db, "--json", "--no-notify")
    log = cli("log", "-f", str(plan), "--db", db, "--json")
    assert status.code == 0 and log.code == 0, status.err + log.err
    return json.loads(status.out), json.loads(log.out)


def test_round_trip_sqlite_postgres_sqlite_reads_the_same(
    cli: Cli, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "phasegate.yaml").write_text(PLAN)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    ran = run_phasegate("run", "--no-worktrees", "--plain", cwd=repo)
    assert ran.code == 0, ran.out + ran.err
    source = str(repo / ".phasegate" / "state.db")
    assert cli("report", "c", "-f", str(repo / "phasegate.yaml"), "--db", source,
               "--metric", "coverage=90", "--key", "late").code == 0  # fmt: skip
    back = str(tmp_path / "back.db")

    there = cli("store", "copy", "--from", source, "--to", pg_url, "--json")
    assert there.code == 0, there.err
    with open_store(source, state_dir=tmp_path) as s:
        n = s.count_events()
    assert json.loads(there.out)["events"] == n > 10
    again = cli("store", "copy", "--from", pg_url, "--to", back)
    assert again.code == 0, again.err
    assert f"copied {n} event(s)" in again.out and "every event verified" in again.out

    # Status reads the clock (elapsed time, slippage): the same moment for all three.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    plan = repo / "phasegate.yaml"
    original = _views(cli, plan, source)
    assert _views(cli, plan, pg_url) == original
    assert _views(cli, plan, back) == original


def test_copy_refuses_a_store_with_history_and_a_missing_source(
    cli: Cli, tmp_path: Path, pg_url: str
) -> None:
    with open_store(pg_url, state_dir=tmp_path) as s:
        s.append("report", effort="e", data={"progress": 10}, key="theirs")
    src = tmp_path / "mine.db"
    with open_store(str(src), state_dir=tmp_path) as s:
        s.append("report", effort="e", data={"progress": 90}, key="mine")
    refused = cli("store", "copy", "--from", str(src), "--to", pg_url)
    assert refused.code == 2 and "already holds 1 event(s)" in refused.err
    with open_store(pg_url, state_dir=tmp_path) as s:
        assert [e.key for e in s.events()] == ["theirs"]  # untouched
    missing = cli("store", "copy", "--from", str(tmp_path / "none.db"), "--to", str(src))
    assert missing.code == 2 and "no store at" in missing.err
    assert not (tmp_path / "none.db").exists()
    same = cli("store", "copy", "--from", str(src), "--to", str(src))
    assert same.code == 2 and "same store" in same.err
