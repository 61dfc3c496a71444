"""An agent that ignores SIGTERM and leaves a background grandchild is killed, whole group."""

from __future__ import annotations

import os
from pathlib import Path

from support import alive, run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted"

PLAN = f"""
version: 1
project: hang
agents: {{max: 2, command: "{SCRIPTED}", timeout: 2s, grace: 0.5s, retries: 0}}
efforts:
  - {{id: stuck, command: "{SCRIPTED} --hang", files: ["stuck/**"]}}
  - {{id: after-stuck, depends_on: [stuck], files: ["after/**"]}}
  - {{id: fine, files: ["fine/**"], command: "mkdir -p fine && echo x > fine/x"}}
"""


def test_hanging_agent_and_grandchild_are_killed(project, states, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    pids = tmp_path / "pids"
    env = {"PHASEGATE_SCRIPTED_NO_REPORT": "1", "PHASEGATE_SCRIPTED_PIDS": str(pids)}
    r = run_phasegate("run", cwd=repo, env=env)
    assert r.code == 1, r.out + r.err
    found = [int(x) for x in pids.read_text().split()]
    assert len(found) == 2  # the agent and its background grandchild
    assert not [p for p in found if alive(p)], "a process of the timed-out agent survived"
    efforts, _ = states(repo)
    assert efforts["stuck"][0] == "failed"
    assert "timed out" in efforts["stuck"][1] and "process group killed" in efforts["stuck"][1]
    assert efforts["after-stuck"][0] == "blocked"
    assert efforts["fine"][0] == "done"
    assert "effort stuck is failed" in r.out
    assert os.environ.get("PHASEGATE_CRASH_AT") is None
