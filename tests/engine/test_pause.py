"""A person pauses a run: agents already running finish, no new one starts, the run stays up;
resuming lets the same run carry on to the end."""

from __future__ import annotations

import time
from pathlib import Path

from engine.test_people_and_run import _run_in_background, _wait_for
from support import run_phasegate

PLAN = """
version: 1
project: pausing
agents: {max: 1, command: "sleep 2", retries: 0}
efforts:
  - {id: a}
  - {id: b, depends_on: [a]}
"""


def test_pause_holds_new_agents_and_resume_carries_on(project, states) -> None:  # type: ignore[no-untyped-def]
    repo: Path = project(PLAN)
    run = _run_in_background(repo, "--no-worktrees")
    try:
        _wait_for(states, repo, run, "a", "running")
        p = run_phasegate("pause", "--reason", "review the API first", cwd=repo)
        assert p.code == 0, p.err
        assert run_phasegate("pause", cwd=repo).code == 1  # already paused: refused
        _wait_for(states, repo, run, "a", "done")
        time.sleep(3)  # longer than an agent of b would need: none may start while paused
        efforts, _ = states(repo)
        assert efforts.get("b", ("pending",))[0] in {"pending", "ready"}
        assert run.poll() is None  # the run stays up, waiting to be resumed
        status = run_phasegate("status", "--no-notify", cwd=repo).out
        assert "PAUSED by" in status and "review the API first" in status
        assert run_phasegate("resume", cwd=repo).code == 0
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out + err
    assert "paused by" in out and "resumed" in out
    assert states(repo)[0]["b"][0] == "done"
    assert run_phasegate("resume", cwd=repo).code == 1  # not paused any more
