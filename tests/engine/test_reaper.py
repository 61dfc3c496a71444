"""A timed-out or finished agent's descendants are killed even when they left its session."""

from __future__ import annotations

import time
from pathlib import Path

from support import alive, run_phasegate

PLAN = """
version: 1
project: reap
agents: {{max: 1, retries: 0, timeout: {timeout}, grace: 1s, command: "true"}}
efforts:
  - id: a
    command: "sh -c 'setsid sleep 300 & echo $! > {pidfile}; {then}'"
"""


def _gone(pid: int) -> bool:
    for _ in range(100):
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_setsid_grandchild_of_a_finished_agent_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc.pid"
    (tmp_path / "phasegate.yaml").write_text(
        PLAN.format(timeout="60s", pidfile=pidfile, then="exit 0")
    )
    r = run_phasegate("run", "--no-worktrees", cwd=tmp_path)
    assert r.code == 0, r.out + r.err
    assert _gone(int(pidfile.read_text())), "a setsid grandchild outlived its agent"


def test_a_setsid_grandchild_of_a_timed_out_agent_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "gc.pid"
    (tmp_path / "phasegate.yaml").write_text(
        PLAN.format(timeout="2s", pidfile=pidfile, then="sleep 300")
    )
    r = run_phasegate("run", "--no-worktrees", cwd=tmp_path, timeout=90)
    assert r.code == 1, r.out + r.err
    assert "timed out" in r.out
    assert _gone(int(pidfile.read_text())), "a setsid grandchild outlived its agent's timeout"


SUBREAPER_TIMEOUT = """
import asyncio, os, sys
from pathlib import Path
from phasegate.engine import supervisor
from phasegate.engine.reaper import become_subreaper
assert become_subreaper()
tmp = Path(sys.argv[1])
script = f"trap '' TERM; sleep 300 & echo $! > {tmp}/child; sleep 300"
async def go():
    h = await supervisor.spawn(["/bin/sh", "-c", script], cwd=tmp, env=dict(os.environ),
                               log=tmp / "log", exit_file=tmp / "exit")
    return await supervisor.wait(h, timeout=0.5, grace=0.2), h.pid
result, group = asyncio.run(go())
assert result.timed_out
try:
    os.killpg(group, 0)
    sys.exit("a process of the group is left (a zombie counts)")
except ProcessLookupError:
    pass
"""


def test_a_subreaper_reaps_the_orphans_of_a_killed_group(tmp_path: Path) -> None:
    # As a subreaper the engine inherits the group's orphans; unreaped, they linger as
    # zombies that keep the group alive to anyone who asks.
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-c", SUBREAPER_TIMEOUT, str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr


ORPHAN_OF_A_FINISHED_AGENT = """
import os, subprocess, sys, time
from pathlib import Path
from phasegate.engine import reaper
assert reaper.become_subreaper()

def every_process():
    raise AssertionError("read every process on the machine")

reaper._table = every_process  # a subreaper knows its orphans without reading them all
pidfile = Path(sys.argv[1])
p = subprocess.Popen(["/bin/sh", "-c", f"setsid sleep 300 & echo $! > {pidfile}"],
                     env={**os.environ, reaper.TAG: "t1"}, start_new_session=True)
p.wait()
while not pidfile.read_text().strip():
    time.sleep(0.01)
orphan = int(pidfile.read_text())
assert reaper.kill_leftovers(p.pid, "t1") == [orphan]
assert reaper.kill_leftovers(p.pid, "t1") == []
"""


def test_a_subreaper_finds_a_finished_agents_orphan_without_reading_every_process(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    pidfile = tmp_path / "orphan.pid"
    pidfile.write_text("")
    p = subprocess.run(
        [sys.executable, "-c", ORPHAN_OF_A_FINISHED_AGENT, str(pidfile)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert _gone(int(pidfile.read_text()))
