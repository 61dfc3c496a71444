"""The team store under load: 200 reporters at once from 4 processes, every report stored
once, and a second sending of each (an agent retrying) stored not at all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from phasegate.store import open_store
from support import ROOT

PROCESSES = 4
THREADS = 50

# Every reporter has its own session (plan facts and a store connection), as 200 agents'
# `phasegate report` would, and goes through the same report operation: checked against the
# plan, then stored. A barrier in each process and a file rendezvous across them make them
# all send at the same moment.
WORKER = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from phasegate.service.reports import raw_report, report
    from phasegate.tracking.session import open_session
    url, proc, procs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    efforts = ["8.1.1", "8.1.2", "8.2.1", "8.2.2", "8.2.3", "8.3.1", "8.3.2", "8.3.3"]
    sessions = [open_session(None, url) for _ in range(threads)]
    Path(f"ready-{proc}").touch()
    while sum(1 for _ in Path(".").glob("ready-*")) < procs:
        time.sleep(0.01)
    barrier = threading.Barrier(threads)
    results = {}

    def send(t):
        s, n = sessions[t], proc * threads + t
        barrier.wait()
        raw = lambda: raw_report(progress=str(n % 100), metrics=[f"coverage={n}"], tokens=1)
        first = report(s, efforts[n % 8], raw(), key=f"r{n}")
        again = report(s, efforts[n % 8], raw(), key=f"r{n}")
        results[t] = (first.stored, not again.stored)

    workers = [threading.Thread(target=send, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for s in sessions:
        s.store.close()
    print(sum(a for a, _ in results.values()), sum(b for _, b in results.values()))
    """
)


def test_200_concurrent_reporters_from_4_processes(project: Path, pg_url: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, pg_url, str(p), str(PROCESSES), str(THREADS)],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(PROCESSES)
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out.split() == [str(THREADS), str(THREADS)], out + err
    total = PROCESSES * THREADS
    with open_store(pg_url, state_dir=project) as s:
        events = s.events(kinds=["report"])
        assert len(events) == total
        assert sorted(e.key for e in events) == sorted(f"r{n}" for n in range(total))
        assert sorted(v for _, v, _ in s.metric_values()["coverage"]) == list(range(total))
        efforts = s.efforts().values()
        assert sum(v.reports for v in efforts) == total
        assert sum(v.tokens for v in efforts) == total
        assert s.metric_summary()["coverage"].count == total


def test_status_watch_redraws_when_another_process_reports(project: Path, pg_url: str) -> None:
    """With a redraw interval far longer than the test, only the store's notification can
    explain the second screen."""
    import threading

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PHASEGATE_DB=pg_url)
    watch = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "status", "--watch", "--interval", "600",
         "--no-notify"],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    screens: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            if "\x1b[2J" in line:
                screens.append(line)
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(60), "status --watch drew nothing"
        seen.clear()
        with open_store(pg_url, state_dir=project) as s:
            s.append("report", effort="8.1.1", data={"progress": 40}, key="wake")
        assert seen.wait(120), "no redraw after a report"
        assert len(screens) == 2
    finally:
        watch.kill()
        watch.wait()
