"""One plan in the team store, two working copies: one `phasegate run` at a time, and the
other takes over when the holder is killed, without re-running what was finished."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from phasegate.store import open_store
from support import git, run_phasegate

AGENT = (
    'echo "$PHASEGATE_EFFORT" >> "$RUNS"; '
    'if [ "$PHASEGATE_EFFORT" = b ] && [ -f "$HOLD" ]; then sleep 60; fi; '
    'mkdir -p out; echo x > "out/$PHASEGATE_EFFORT"'
)
PLAN = f"""
version: 1
project: team
agents: {{max: 2, command: '{AGENT}', retries: 0}}
efforts:
  - {{id: a, files: ["out/a"], checks: [{{run: "test -f out/a"}}]}}
  - {{id: b, depends_on: [a], files: ["out/b"], checks: [{{run: "test -f out/b"}}]}}
"""


def _agent_pid(url: str, tmp: Path, effort: str) -> int | None:
    with open_store(url, state_dir=tmp) as s:
        v = s.effort(effort)
        return v.pid if v.state == "running" else None


def test_one_run_per_plan_across_working_copies_and_takeover(  # type: ignore[no-untyped-def]
    project, tmp_path: Path, pg_url: str
) -> None:
    mine = project(PLAN, name="mine")
    theirs = tmp_path / "theirs"
    git(tmp_path, "clone", "-q", str(mine), str(theirs))
    hold, runs = tmp_path / "hold", tmp_path / "runs"
    hold.touch()
    env = {"PHASEGATE_DB": pg_url, "RUNS": str(runs), "HOLD": str(hold)}
    first = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--no-worktrees", "--plain"],
        cwd=mine, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    agent = None
    try:
        deadline = time.monotonic() + 60
        while (agent := _agent_pid(pg_url, tmp_path, "b")) is None:
            assert first.poll() is None, "the first run ended before b's agent started"
            assert time.monotonic() < deadline, "b's agent never started"
            time.sleep(0.1)
        refused = run_phasegate("run", "--no-worktrees", cwd=theirs, env=env)
        assert refused.code == 2, refused.out + refused.err
        assert f"another 'phasegate run' (pid {first.pid}) on {socket.gethostname()}" in refused.err
    finally:
        first.kill()  # kill -9: no chance to release anything itself
        first.wait()
        if agent is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(agent, signal.SIGKILL)
    hold.unlink()
    took_over = run_phasegate("run", "--no-worktrees", "--json", cwd=theirs, env=env)
    assert took_over.code == 0, took_over.out + took_over.err
    with open_store(pg_url, state_dir=tmp_path) as s:
        assert {k: v.state for k, v in s.efforts().items()} == {"a": "done", "b": "done"}
    ran = runs.read_text().split()
    assert ran.count("a") == 1, ran  # finished before the kill: not run again
    assert (theirs / "out" / "b").exists()
