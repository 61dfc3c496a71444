"""Schedules on the Standard Task Graph set against the published best-known lengths.

    python bench/stg.py                         # heuristic on everything, exact on a sample
    python bench/stg.py --sets 50,100 --sample 30 --exact-limit 2

For every set and agent count m it prints, for the plain critical-path list scheduler (the
anchor), our heuristic and the CP-SAT exact mode: instances, mean and max gap to the
best-known length, the share matching it, the share proven optimal and the time per
instance; then every unproven published value that a schedule here beats.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasegate.imports.stg import parse
from phasegate.schedule import exact, heuristic
from phasegate.schedule.model import Problem, Schedule
from phasegate.schedule.validate import check

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stg"
SETS = ("50", "100", "300")
PROCS = (2, 4, 8, 16)


@dataclass(frozen=True)
class Known:
    lower: int
    upper: int
    proven: bool


@dataclass
class Tally:
    gaps: list[float] = field(default_factory=list)
    matched: int = 0
    proven: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def add(self, s: Schedule, best: int, seconds: float, cpu: float) -> None:
        self.gaps.append(100.0 * (s.makespan - best) / best)
        self.matched += s.makespan <= best
        self.proven += s.optimal
        self.seconds += seconds
        self.cpu += cpu

    def summary(self) -> dict[str, float]:
        k = max(1, len(self.gaps))
        return {
            "n": len(self.gaps),
            "mean_gap": sum(self.gaps) / k,
            "max_gap": max(self.gaps, default=0.0),
            "matched": 100.0 * self.matched / k,
            "proven": 100.0 * self.proven / k,
            "ms": 1000.0 * self.seconds / k,
            "cpu_ms": 1000.0 * self.cpu / k,
        }


def published(data: Path = DATA) -> dict[tuple[str, str, int], Known]:
    out: dict[tuple[str, str, int], Known] = {}
    with (data / "stg_v2_optimal_schedule_lengths.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            key = (r["set"], r["graph"], int(r["procs"]))
            out[key] = Known(
                int(r["lower_bound"]), int(r["upper_bound"]), r["proven_optimal"] == "1"
            )
    return out


def load(path: Path) -> Problem:
    g = parse(path.read_text(encoding="utf-8"), path.name)
    return Problem.of(g.dur, g.pred)


def sample(names: list[str], k: int | None) -> list[str]:
    """A deterministic sample, so runs with the same --sample compare like with like."""
    if k is None or k >= len(names):
        return names
    return sorted(random.Random(20020501).sample(names, k))


def timed(fn: Callable[[], Schedule]) -> tuple[Schedule, float, float]:
    """The schedule, wall seconds and CPU seconds of this process (CP-SAT counts every
    worker thread; on a shared machine wall time includes waiting for a core)."""
    t, c = time.perf_counter(), time.process_time()
    s = fn()
    return s, time.perf_counter() - t, time.process_time() - c


def run(
    sets: list[str],
    procs: list[int],
    exact_sample: int | None,
    exact_limit: float | None,
    heuristic_sample: int | None = None,
    out: Any = sys.stdout,
) -> dict[tuple[str, int, str], dict[str, float]]:
    known = published()
    results: dict[tuple[str, int, str], dict[str, float]] = {}
    beaten: list[str] = []
    print(
        f"{'set':>4} {'m':>3} {'method':<10} {'n':>4} {'mean gap%':>10} {'max gap%':>9} "
        f"{'matched%':>9} {'proven%':>8} {'ms/inst':>9} {'cpu ms':>8}",
        file=out,
    )
    for name in sets:
        files = sorted(p.name for p in (DATA / name).glob("*.stg"))
        problems = {f: load(DATA / name / f) for f in sample(files, heuristic_sample)}
        exact_on = set(sample(sorted(problems), exact_sample)) if exact_sample != 0 else set()
        limit = exact_limit if exact_limit is not None else (5.0 if name == "300" else 2.0)
        for m in procs:
            tallies = {"list": Tally(), "heuristic": Tally(), "exact": Tally()}
            for f, p in problems.items():
                k = known[(name, f, m)]
                a, ta, ca = timed(lambda p=p, m=m: heuristic.anchor(p, m))
                h, th, ch = timed(lambda p=p, m=m: heuristic.solve(p, m))
                tallies["list"].add(check(p, a, m), k.upper, ta, ca)
                tallies["heuristic"].add(check(p, h, m), k.upper, th, ch)
                best = h
                if f in exact_on:
                    e, te, ce = timed(
                        lambda p=p, h=h, m=m, t=limit: exact.solve(p, m, time_limit=t, start_from=h)
                    )
                    tallies["exact"].add(check(p, e, m), k.upper, te + th, ce + ch)
                    best = e
                if not k.proven and best.makespan < k.upper:
                    tag = " (proven optimal)" if best.optimal else ""
                    beaten.append(
                        f"{name}/{f} m={m}: {best.makespan} < published {k.upper} "
                        f"(published lower {k.lower}){tag}"
                    )
            for method, t in tallies.items():
                if not t.gaps:
                    continue
                s = t.summary()
                results[(name, m, method)] = s
                print(
                    f"{name:>4} {m:>3} {method:<10} {s['n']:>4} {s['mean_gap']:>10.3f} "
                    f"{s['max_gap']:>9.2f} {s['matched']:>9.1f} {s['proven']:>8.1f} "
                    f"{s['ms']:>9.2f} {s['cpu_ms']:>8.2f}",
                    file=out,
                    flush=True,
                )
    print(f"\nunproven published values beaten: {len(beaten)}", file=out)
    for line in beaten:
        print("  " + line, file=out)
    return results


def rows(quick: bool) -> list[dict[str, Any]]:
    """Headline rows for the benchmark runner; quick mode takes about a minute."""
    import io

    sets = ["50", "100"]
    res = run(
        sets,
        list(PROCS),
        6 if quick else 30,
        1.0 if quick else None,
        heuristic_sample=None,
        out=io.StringIO(),
    )
    out: list[dict[str, Any]] = []
    for name in sets:
        for metric, unit in (("mean_gap", "%"), ("max_gap", "%")):
            ours = max(res[(name, m, "heuristic")][metric] for m in PROCS)
            base = max(res[(name, m, "list")][metric] for m in PROCS)
            out.append(
                {
                    "name": f"stg{name} heuristic {metric.replace('_', ' ')} (worst m)",
                    "ours": round(ours, 3),
                    "anchor": round(base, 3),
                    "anchor_name": "critical-path list scheduler",
                    "ratio": round(ours / base, 3) if base else None,
                    "unit": unit,
                    "notes": "all 180 graphs x m=2,4,8,16; lower is better",
                }
            )
        matched = [res[(name, m, "exact")]["matched"] for m in PROCS]
        out.append(
            {
                "name": f"stg{name} exact share matched (worst m)",
                "ours": round(min(matched), 1),
                "anchor": 100.0,
                "anchor_name": "published best-known",
                "ratio": round(min(matched) / 100.0, 3),
                "unit": "%",
                "notes": f"sample of {6 if quick else 30} graphs per m; higher is better",
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sets", default=",".join(SETS), help="comma list of 50,100,300")
    ap.add_argument("--procs", default=",".join(map(str, PROCS)), help="comma list of m")
    ap.add_argument("--sample", type=int, default=None, help="graphs per set for exact mode")
    ap.add_argument(
        "--heuristic-sample",
        type=int,
        default=None,
        help="graphs per set for the list schedulers (default all)",
    )
    ap.add_argument(
        "--exact-limit", type=float, default=None, help="CP-SAT seconds (default 2, 5 for set 300)"
    )
    ap.add_argument("--no-exact", action="store_true")
    a = ap.parse_args(argv)
    sets = [s for s in a.sets.split(",") if s]
    bad = [s for s in sets if not (DATA / s).is_dir()]
    if bad:
        print(f"error: no STG set {', '.join(bad)} under {DATA}", file=sys.stderr)
        return 2
    run(
        sets,
        [int(x) for x in a.procs.split(",")],
        0 if a.no_exact else a.sample,
        a.exact_limit,
        a.heuristic_sample,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
