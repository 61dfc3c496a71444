"""Every improved schedule saved by bench/stg_open.py, re-checked from the STG file alone.

The checker here is written apart from phasegate's own (no parser, model or validator of
phasegate): it reads the STG file as the integer stream its format defines and checks that
every task is placed once, that every precedence holds, that at most m tasks run at once
and no agent does two at a time, that the makespan is what the file says, and that it is
below the published upper bound it claims to improve.
"""

from __future__ import annotations

import csv
import json
from itertools import pairwise
from pathlib import Path

import pytest

from support import ROOT, SHARED

SAVED = ROOT / "bench" / "results" / "stg-open"
STG = SHARED / "data" / "stg"
FILES = sorted(SAVED.glob("*.json"))


def read_stg(path: Path) -> tuple[list[int], list[list[int]]]:
    """Processing times and predecessors by STG task id (0 and n+1 are the dummies)."""
    words: list[int] = []
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue
        words += [int(w) for w in line.split()]
    n, pos = words[0], 1
    time = [0] * (n + 2)
    pred: list[list[int]] = [[] for _ in range(n + 2)]
    for tid in range(n + 2):
        assert words[pos] == tid
        time[tid], k = words[pos + 1], words[pos + 2]
        pred[tid] = words[pos + 3 : pos + 3 + k]
        pos += 3 + k
    return time, pred


def published_upper(instance: str, m: int) -> int:
    name, graph = instance.split("/")
    with (STG / "stg_v2_optimal_schedule_lengths.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            if (r["set"], r["graph"], int(r["procs"])) == (name, graph, m):
                return int(r["upper_bound"])
    raise AssertionError(f"{instance} m={m} is not in the published table")


def problems(doc: dict[str, object], time: list[int], pred: list[list[int]]) -> list[str]:
    m = int(doc["m"])  # type: ignore[call-overload]
    n = len(time) - 2
    slots = doc["slots"]
    assert isinstance(slots, list)
    start: dict[int, int] = {}
    agent: dict[int, int] = {}
    out: list[str] = []
    for s in slots:
        t = int(s["task"])
        if not 1 <= t <= n or t in start:
            out.append(f"task {t} is not a task of the file or is placed twice")
        start[t], agent[t] = int(s["start"]), int(s["agent"])
        if start[t] < 0 or not 0 <= agent[t] < m:
            out.append(f"task {t}: start {start[t]} or agent {agent[t]} out of range")
    missing = set(range(1, n + 1)) - set(start)
    if missing:
        out.append(f"tasks never placed: {sorted(missing)[:5]}")
        return out
    end = {t: start[t] + time[t] for t in start}
    for t in range(1, n + 1):
        for q in pred[t]:
            if q != 0 and end[q] > start[t]:
                out.append(f"task {t} starts at {start[t]} before its predecessor {q} ends")
    # At most m at once: sweep the ends before the starts at the same instant.
    events = sorted(
        [(start[t], 1) for t in start if time[t]] + [(end[t], -1) for t in start if time[t]]
    )
    running = 0
    for at, step in events:
        running += step
        if running > m:
            out.append(f"{running} tasks run at once at {at}")
            break
    by_agent: dict[int, list[tuple[int, int]]] = {}
    for t in start:
        if time[t]:
            by_agent.setdefault(agent[t], []).append((start[t], end[t]))
    for a, spans in by_agent.items():
        spans.sort()
        for (_, e1), (s2, _) in pairwise(spans):
            if s2 < e1:
                out.append(f"agent {a} runs two tasks at once at {s2}")
    makespan = max(end.values(), default=0)
    if makespan != doc["makespan"]:
        out.append(f"makespan is {makespan}, the file says {doc['makespan']}")
    return out


def test_schedules_were_saved() -> None:
    assert FILES, "bench/stg_open.py saved no improved schedule"


@pytest.mark.skipif(not STG.is_dir(), reason="STG data set not present")
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_saved_schedule_is_feasible_and_beats_the_published_bound(path: Path) -> None:
    doc = json.loads(path.read_text())
    time, pred = read_stg(STG / doc["instance"])
    assert problems(doc, time, pred) == []
    assert doc["makespan"] < published_upper(doc["instance"], int(doc["m"]))


def test_the_checker_catches_each_kind_of_violation() -> None:
    # Tasks 1 (3 long) and 2 (2 long, after 1) on one agent; 3 (1 long) free.
    time = [0, 3, 2, 1, 0]
    pred = [[], [0], [1], [0], [2, 3]]
    good = {"m": 1, "makespan": 6, "slots": [
        {"task": 1, "start": 0, "agent": 0}, {"task": 2, "start": 3, "agent": 0},
        {"task": 3, "start": 5, "agent": 0}]}  # fmt: skip
    assert problems(good, time, pred) == []
    early = {**good, "slots": [{**good["slots"][0]}, {"task": 2, "start": 2, "agent": 0},
                               {"task": 3, "start": 5, "agent": 0}]}  # fmt: skip
    assert any("before its predecessor" in x for x in problems(early, time, pred))
    crowded = {
        **good,
        "makespan": 5,
        "slots": [*good["slots"][:2], {"task": 3, "start": 0, "agent": 0}],
    }
    found = problems(crowded, time, pred)
    assert any("at once" in x for x in found)
    wrong = {**good, "makespan": 5}
    assert any("makespan is 6" in x for x in problems(wrong, time, pred))
    short = {**good, "slots": good["slots"][:2]}
    assert any("never placed" in x for x in problems(short, time, pred))
