"""Ctrl-C (or SIGTERM) stops a run without losing anything, and the next run carries on.

The first interruption stops the agents, whole process groups, and ends their attempts
`interrupted` (not counted against retries); a second one leaves at once, agents running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import alive, run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted"


def _start(repo: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    full = {**os.environ, **env, "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", *(args or ("--plain",))],
        cwd=repo, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_pids(pids: Path, n: int, proc: subprocess.Popen[str]) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if pids.exists():
            found = [int(x) for x in pids.read_text().split()]
            if len(found) >= n:
                return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the agent never started")


def test_interrupt_stops_agents_and_the_next_run_carries_on(  # type: ignore[no-untyped-def]
    project, states, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    # Until `go` exists the agent hangs, ignoring SIGTERM, with a background grandchild.
    plan = f"""
    version: 1
    project: stop
    agents: {{max: 2, command: "test -f {go} || {SCRIPTED} --hang", grace: 0.5s, retries: 0}}
    efforts:
      - {{id: stuck, files: ["stuck/**"], allow_empty: true}}
      - {{id: later, depends_on: [stuck], files: ["later/**"], allow_empty: true}}
    """
    repo = project(plan)
    pids = tmp_path / "pids"
    env = {"PHASEGATE_SCRIPTED_NO_REPORT": "1", "PHASEGATE_SCRIPTED_PIDS": str(pids)}
    proc = _start(repo, env)
    found = _wait_for_pids(pids, 2, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "interrupted: stopping 1 agent(s)" in out
    assert "run interrupted" in out
    assert not [p for p in found if alive(p)], "a process of the stopped agent survived"
    efforts, _ = states(repo)
    assert efforts["stuck"][0] == "failed" and "interrupted" in efforts["stuck"][1]
    assert efforts.get("later", ("pending", ""))[0] in {"pending", "ready"}

    # With retries: 0 an ordinary failure would end the effort; an interrupted attempt does
    # not count, so a plain `phasegate run` tries it again and finishes the plan.
    go.write_text("")
    r = run_phasegate("run", "--plain", cwd=repo, env=env)
    assert r.code == 0, r.out + r.err
    efforts, _ = states(repo)
    assert efforts["stuck"][0] == "done" and efforts["later"][0] == "done"
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        assert store.effort("stuck").attempt == 2
        exits = store.events(effort="stuck", kinds=["agent.exited"])
        assert [bool(ev.data.get("interrupted")) for ev in exits] == [True, False]


def test_sigterm_stops_a_run_without_worktrees(project, states, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "started"
    plan = f"""
    version: 1
    project: term
    agents: {{max: 1, command: "echo $$ > {marker}; exec sleep 60", grace: 2s}}
    efforts:
      - {{id: slow}}
      - {{id: never, depends_on: [slow]}}
    """
    repo = project(plan)
    proc = _start(repo, {}, "--no-worktrees", "--json")
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text().strip()):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    agent = int(marker.read_text())
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert '"interrupted":true' in out.replace(" ", "")
    assert not alive(agent)
    efforts, _ = states(repo)
    assert efforts["slow"][0] == "failed" and "interrupted" in efforts["slow"][1]
    assert "never" not in efforts or efforts["never"][0] == "pending"


def test_second_interrupt_leaves_agents_and_the_next_run_stops_them(  # type: ignore[no-untyped-def]
    project, states, tmp_path: Path
) -> None:
    plan = f"""
    version: 1
    project: detach
    agents: {{max: 1, command: "{SCRIPTED} --hang", grace: 2s, retries: 0}}
    efforts:
      - {{id: stuck, allow_empty: true}}
    """
    repo = project(plan)
    pids = tmp_path / "pids"
    env = {"PHASEGATE_SCRIPTED_NO_REPORT": "1", "PHASEGATE_SCRIPTED_PIDS": str(pids)}
    proc = _start(repo, env)
    found = _wait_for_pids(pids, 2, proc)
    try:
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)  # the agent ignores SIGTERM; the engine waits out its grace
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, out + err
        assert "leaving now" in out and "adopts them" in err
        assert all(alive(p) for p in found), "the second interrupt must leave agents alone"
        assert states(repo)[0]["stuck"][0] == "running"

        # They were asked to stop: the next run finishes that (SIGKILL after the grace
        # period), ends the attempt interrupted, not counted, and tries the effort again.
        (repo / "phasegate.yaml").write_text(
            (repo / "phasegate.yaml").read_text().replace(f"{SCRIPTED} --hang", "true")
        )
        r = run_phasegate("run", "--plain", cwd=repo, env=env)
        assert r.code == 0, r.out + r.err
        assert "stopping what is left of its agent" in r.out
        assert not [p for p in found if alive(p)]
        assert states(repo)[0]["stuck"][0] == "done"
    finally:
        for p in found:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
