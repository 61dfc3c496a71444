"""Makespan of real runs: STG graphs whose efforts sleep their processing time.

A fixed sample of graphs from the STG set 50 (drawn with a stated seed) becomes plans whose
effort i runs `sleep <time_i * UNIT>`; `phasegate run --no-worktrees --agents 4` runs each,
beside GNU `make -j4` running the same graph of the same sleeps, beside the published optimum
for 4 processors times UNIT (the shortest any scheduler could take). Wall times of the whole
commands, start-up included: what a user waits for.

    python bench/makespan.py                  # the sample of 5 graphs
    python bench/makespan.py --graphs 2       # fewer
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, installed_env, print_rows, python, row

DATA = SHARED / "data" / "stg"
UNIT = 0.2  # seconds of sleep per unit of STG processing time
AGENTS = 4
SEED = 19  # the sample: random.Random(SEED).sample of the 180 graphs of set 50


def sample(k: int) -> list[str]:
    names = sorted(p.name for p in (DATA / "50").glob("*.stg"))
    return sorted(random.Random(SEED).sample(names, k))


def graph(path: Path) -> tuple[list[int], list[list[int]]]:
    from phasegate.imports.stg import parse

    g = parse(path.read_text(encoding="utf-8"), path.name)
    return g.dur, g.pred


def _sleep(d: int) -> str:
    return f"sleep {d * UNIT:.3f}" if d else "true"


def plan_yaml(name: str, dur: list[int], pred: list[list[int]]) -> str:
    """Sizes are the processing times, so the schedule phasegate computes is the real one."""
    lines = ["version: 1", f"project: {name}", f"agents: {{max: {AGENTS}}}", "efforts:"]
    for i, (d, ps) in enumerate(zip(dur, pred, strict=True)):
        on = ", ".join(f"t{q}" for q in ps)
        lines.append(
            f"  - {{id: t{i}, size: {max(d, 0)}, command: '{_sleep(d)}', "
            f"deliverables: [x], depends_on: [{on}]}}"
        )
    return "\n".join(lines) + "\n"


def makefile(dur: list[int], pred: list[list[int]]) -> str:
    names = " ".join(f"t{i}" for i in range(len(dur)))
    out = [f".PHONY: all {names}", f"all: {names}"]
    for i, (d, ps) in enumerate(zip(dur, pred, strict=True)):
        out.append(f"t{i}: {' '.join(f't{q}' for q in ps)}".rstrip())
        out.append(f"\t@{_sleep(d)}")
    return "\n".join(out) + "\n"


def optimum(name: str) -> tuple[int, bool]:
    with (DATA / "stg_v2_optimal_schedule_lengths.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            if r["set"] == "50" and r["graph"] == name and int(r["procs"]) == AGENTS:
                return int(r["upper_bound"]), r["proven_optimal"] == "1"
    raise SystemExit(f"no published value for 50/{name} m={AGENTS}")


def _timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=installed_env())
    took = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(argv)}\n{p.stdout[-1500:]}")
    return took


def one(name: str) -> dict[str, float]:
    dur, pred = graph(DATA / "50" / name)
    best, proven = optimum(name)
    with tempfile.TemporaryDirectory(prefix="pg-bench-ms-") as d:
        root = Path(d)
        (root / "phasegate.yaml").write_text(plan_yaml(Path(name).stem, dur, pred))
        (root / "Makefile").write_text(makefile(dur, pred))
        made = _timed(["make", f"-j{AGENTS}", "all"], root)
        argv = [python(), "-m", "phasegate", "run", "--no-worktrees", "--plain"]
        began = time.time()
        ours = _timed([*argv, "--agents", str(AGENTS)], root)
        first, last = _agents_span(root / ".phasegate" / "state.db")
    return {
        "ours": ours,
        "make": made,
        "optimum": best * UNIT,
        "proven": float(proven),
        "startup": first - began,
        "span": last - first,
    }


def _agents_span(db: Path) -> tuple[float, float]:
    """When the first agent was started and the last one exited, from the run's events:
    what the run's start-up and its dispatching each cost, apart."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as c:
        (first,) = c.execute("SELECT min(ts) FROM events WHERE kind = 'agent.spawned'").fetchone()
        (last,) = c.execute("SELECT max(ts) FROM events WHERE kind = 'agent.exited'").fetchone()
    return float(first), float(last)


def rows(quick: bool, graphs: int | None = None) -> list[dict[str, Any]]:
    names = sample(graphs or (2 if quick else 5))
    results: dict[str, dict[str, float]] = {}
    for name in names:
        results[name] = r = one(name)
        print(
            f"  50/{name}: phasegate {r['ours']:.2f}s, make {r['make']:.2f}s, "
            f"optimum {r['optimum']:.2f}s ({r['ours'] / r['optimum']:.3f}x, "
            f"make {r['make'] / r['optimum']:.3f}x); start-up to the first agent "
            f"{r['startup']:.2f}s, first agent to last exit {r['span'] / r['optimum']:.3f}x",
            flush=True,
        )
    ours = [r["ours"] / r["optimum"] for r in results.values()]
    made = [r["make"] / r["optimum"] for r in results.values()]
    beaten = sum(r["ours"] < r["make"] for r in results.values())
    spans = [r["span"] / r["optimum"] for r in results.values()]
    starts = [r["startup"] for r in results.values()]
    listed = ", ".join(
        f"{n.removesuffix('.stg')} {r['ours'] / r['optimum']:.3f}/{r['make'] / r['optimum']:.3f}"
        for n, r in results.items()
    )
    sample_note = f"set 50 graphs {', '.join(n.removesuffix('.stg') for n in names)} (seed {SEED})"
    return [
        row(
            f"makespan, {len(names)} STG graphs, {AGENTS} agents (x optimum)",
            statistics.mean(ours),
            statistics.mean(made),
            f"GNU make -j{AGENTS}, same graph and sleeps",
            "x published optimum, mean (1.0 is best)",
            f"{sample_note}; sleep = time x {UNIT}s; phasegate/make per graph: {listed}; "
            f"phasegate faster than make on {beaten} of {len(names)}; worst phasegate "
            f"{max(ours):.3f}x; goal <= 1.02x mean; of which start-up to the first agent "
            f"{statistics.mean(starts):.2f}s mean, first agent to last exit "
            f"{statistics.mean(spans):.3f}x the optimum",
            read="How long a whole run takes against the shortest possible (1.0) and make -j4 "
            "on the same sleeps; start-up and every synced event included.",
        )
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="2 graphs")
    ap.add_argument("--graphs", type=int, default=None, help="graphs in the sample (default 5)")
    a = ap.parse_args()
    print_rows(rows(a.quick, a.graphs))
