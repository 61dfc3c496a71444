"""Acceptance: concurrent reporters, and a writer killed in the middle of a report."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from phasegate.store import open_store
from support import ROOT, run_phasegate

WORKERS = 10
REPORTS = 20

# Each worker is its own OS process driving the `report` command 20 times, so ten writers
# contend for the store at once exactly as ten agents' `phasegate report` would. The click
# command is built once per worker to keep the test quick; parsing, validation and storing
# run for every report.
WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import typer
    from phasegate.cli.main import build_app
    command = typer.main.get_command(build_app("report"))
    worker, workers = int(sys.argv[1]), int(sys.argv[2])
    efforts = ["8.1.1", "8.1.2", "8.2.1", "8.2.2", "8.2.3", "8.3.1", "8.3.2", "8.3.3"]

    def send_all():
        for i in range(20):
            code = command.main(
                ["report", efforts[(worker + i) % 8], "--progress", str(i * 5),
                 "--metric", f"coverage={worker * 100 + i}", "--key", f"w{worker}-r{i}"],
                prog_name="phasegate", standalone_mode=False)
            if code != 0:
                sys.exit(10 + code)

    send_all()
    print("=== first round done", flush=True)
    # Wait until every worker has sent its 20, then all re-send theirs with the same keys.
    Path(f"sent-{worker}").touch()
    while sum(1 for _ in Path(".").glob("sent-*")) < workers:
        time.sleep(0.02)
    send_all()
    """
)


def _workers(project: Path) -> list[subprocess.CompletedProcess[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), str(WORKERS)],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_ten_concurrent_reporters_store_each_report_once(project: Path) -> None:
    results = _workers(project)
    for r in results:
        assert r.returncode == 0, r.stderr
        assert "locked" not in r.stderr and "Traceback" not in r.stderr
        first, second = r.stdout.split("=== first round done")
        assert first.count("stored (event") == REPORTS and "already" not in first
        # The second round re-sent all 20 with the same keys: every one was ignored.
        assert second.count("already stored") == REPORTS and "stored (event" not in second
    with open_store(None, state_dir=project / ".phasegate") as s:
        events = s.events(kinds=["report"])
        assert len(events) == WORKERS * REPORTS
        assert len({e.key for e in events}) == WORKERS * REPORTS
        values = sorted(v for _, v, _ in s.metric_values()["coverage"])
        assert values == sorted(float(w * 100 + i) for w in range(WORKERS) for i in range(REPORTS))
        assert sum(v.reports for v in s.efforts().values()) == WORKERS * REPORTS


# A writer that stops inside its report transaction: the event row is inserted and the
# projection is half updated when it announces itself and waits to be killed.
HALFWAY = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from phasegate.store import open_store, projection
    original = projection._open_blocker
    count = [0]
    def slow(c, ev, item, effort):
        original(c, ev, item, effort)
        count[0] += 1
        if count[0] == 3:
            Path(sys.argv[2]).write_text("inside")
            time.sleep(60)
    projection._open_blocker = slow
    s = open_store(None, state_dir=Path(sys.argv[1]))
    s.append("report", effort="8.1.1", key="doomed", data={
        "progress": 70, "metrics": {"coverage": 99},
        "blockers": [{"text": f"b{i}", "severity": "low"} for i in range(6)]})
    """
)


def _consistent(state_dir: Path) -> None:
    conn = sqlite3.connect(state_dir / "state.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with open_store(None, state_dir=state_dir) as s:
        for ev in s.events(kinds=["report"]):
            blockers = [b for b in s.blockers() if b.opened_at == ev.ts and b.effort == ev.effort]
            assert len(blockers) == len(ev.data.get("blockers", []))
        before = (s.efforts(), s.blockers(), s.metric_values())
        s.rebuild()
        assert (s.efforts(), s.blockers(), s.metric_values()) == before


def test_sigkill_inside_the_report_transaction_leaves_it_absent(project: Path) -> None:
    state = project / ".phasegate"
    with open_store(None, state_dir=state) as s:
        s.append("report", effort="8.1.2", data={"progress": 10}, key="kept")
    flag = project / "inside"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    p = subprocess.Popen([sys.executable, "-c", HALFWAY, str(state), str(flag)], env=env)
    deadline = time.monotonic() + 30
    while not flag.exists():
        assert p.poll() is None, "writer ended before reaching the middle of its report"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    _consistent(state)
    with open_store(None, state_dir=state) as s:
        assert [e.key for e in s.events()] == ["kept"]
        assert s.blockers() == [] and "coverage" not in s.metric_values()
        assert s.effort("8.1.1").progress == 0
        # The store still takes writes after the crash.
        assert s.append("report", effort="8.1.1", data={"progress": 5}, key="doomed") is not None


@pytest.mark.parametrize("outcome", ["absent", "whole"])
def test_sigkill_of_the_report_command_leaves_report_whole_or_absent(
    project: Path, outcome: str
) -> None:
    import sqlite3

    assert run_phasegate("report", "8.1.2", "--progress", "1", cwd=project).code == 0
    args = ["report", "8.1.1", "--progress", "60", "--metric", "coverage=80", "--key", "x"]
    for i in range(8):
        args += ["--blocker", f"blocker {i}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    state = project / ".phasegate"
    # "absent": another writer holds the store, so the command is killed while it waits to
    # write; "whole": it is killed only after it finished. Each case has one right answer.
    holder = sqlite3.connect(state / "state.db", isolation_level=None)
    if outcome == "absent":
        holder.execute("BEGIN IMMEDIATE")
    p = subprocess.Popen(
        [sys.executable, "-m", "phasegate", *args],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if outcome == "absent":
        time.sleep(1.5)  # long enough to reach the write and wait on the lock
        assert p.poll() is None, "the report did not wait for the store"
    else:
        assert p.wait(timeout=60) == 0
    p.send_signal(signal.SIGKILL)
    p.wait()
    if outcome == "absent":
        holder.execute("ROLLBACK")
    holder.close()
    _consistent(state)
    with open_store(None, state_dir=state) as s:
        stored = [e for e in s.events(kinds=["report"]) if e.key == "x"]
        blockers = [b for b in s.blockers() if b.effort == "8.1.1"]
        if outcome == "whole":
            assert len(stored) == 1 and len(blockers) == 8
            assert s.effort("8.1.1").progress == 60
        else:
            assert stored == [] and blockers == []
            assert s.effort("8.1.1").progress == 0


@pytest.mark.slow
def test_ten_shell_loops_of_real_report_processes(project: Path) -> None:
    """The same acceptance with 200 separate `phasegate report` processes (slow)."""
    loop = (
        'for i in $(seq 0 19); do "$PY" -m phasegate report 8.1.1 --progress 1 '
        '--key "w$W-r$i" >/dev/null || exit 1; done'
    )
    env = dict(os.environ, PY=sys.executable, PYTHONPATH=str(ROOT / "src"))
    procs = [
        subprocess.Popen(
            ["/bin/sh", "-c", loop],
            cwd=project,
            env={**env, "W": str(w)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0 and "locked" not in err, err
    with open_store(None, state_dir=project / ".phasegate") as s:
        assert len(s.events(kinds=["report"])) == WORKERS * REPORTS
