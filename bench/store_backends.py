"""The two store backends side by side, in the same run on the same machine: PostgreSQL (a
throw-away local server, fsync on) against SQLite (the default, synchronous=FULL).

- write throughput: reports appended one transaction each, from one writer and from 8
  concurrent writers each with its own connection (agents reporting at once);
- status latency: `phasegate status --json` as a fresh process on a plan of 200 efforts
  with 20,000 stored events.

Needs Debian's PostgreSQL server binaries and psycopg (`phasegate[postgres]`); without them
the rows say so instead of a number.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from common import main, python, row, time_command
from status import write_plan

EFFORTS = 200
EVENTS = 20_000
WRITERS = 8


def _report(n: int) -> dict[str, Any]:
    return {
        "kind": "report",
        "effort": f"e{n % EFFORTS}",
        "key": f"r{n}",
        "data": {"progress": n % 100, "metrics": {"coverage": 60 + n % 30}, "tokens": 10},
    }


def _throughput(open_one: Callable[[], Any], writers: int, per_writer: int) -> float:
    """Reports stored per second, each its own transaction."""
    stores = [open_one() for _ in range(writers)]
    barrier = threading.Barrier(writers + 1)

    def send(w: int) -> None:
        s = stores[w]
        barrier.wait()
        for i in range(per_writer):
            it = _report(w * per_writer + i)
            s.append(it["kind"], effort=it["effort"], key=it["key"], data=it["data"])

    threads = [threading.Thread(target=send, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    for s in stores:
        s.close()
    return writers * per_writer / took


def _fill(store: Any) -> None:
    batch = [_report(n) for n in range(EVENTS)]
    for k in range(0, len(batch), 5000):
        store.append_many(batch[k : k + 5000])


def rows(quick: bool) -> list[dict[str, Any]]:
    import pgserver
    from phasegate.store import open_store

    why = pgserver.missing()
    if why is not None:
        return [row("store backends", 0.0, 0.0, "SQLite", "-", f"skipped: {why}")]
    per = 50 if quick else 200
    runs = 3 if quick else 7
    server = pgserver.start(durable=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            out: list[dict[str, Any]] = []
            for writers in (1, WRITERS):
                pg_url = server.fresh_url("bench")
                db = str(root / f"w{writers}.db")
                pg = _throughput(lambda u=pg_url: open_store(u, state_dir=root), writers, per)
                lite = _throughput(lambda d=db: open_store(d, state_dir=root), writers, per)
                out.append(
                    row(
                        f"store writes, {writers} writer(s), PostgreSQL",
                        pg,
                        lite,
                        "SQLite, same run",
                        "reports/s (higher is better)",
                        f"{writers * per} reports, one transaction each, fsync on both",
                    )
                )
            plan = root / "phasegate.yaml"
            write_plan(plan, EFFORTS)
            pg_url = server.fresh_url("status")
            lite_db = str(root / "status.db")
            for where in (pg_url, lite_db):
                with open_store(where, state_dir=root) as s:
                    _fill(s)
            status = [python(), "-m", "phasegate", "status", "--json", "--no-notify"]
            time_command([*status, "--db", lite_db], runs=1, cwd=root)  # plan-facts cache
            pg_s = time_command([*status, "--db", pg_url], runs=runs, cwd=root)
            lite_s = time_command([*status, "--db", lite_db], runs=runs, cwd=root)
            out.append(
                row(
                    f"status --json {EFFORTS} efforts / {EVENTS // 1000}k events, PostgreSQL",
                    pg_s,
                    lite_s,
                    "SQLite, same run",
                    "s, median (lower is better)",
                    f"{runs} runs each, fresh process",
                )
            )
            return out
    finally:
        server.stop()


if __name__ == "__main__":
    main(rows, __doc__)
