"""`phasegate conflicts --branches` on 100 branches of 20 changed files each in a repository of
10,000 files, beside the naive analysis in the same run: `git merge-tree` on every pair.

Both sides use the same trial-merge code and the same number of parallel git processes; the
difference is which pairs get merged. Ours runs as a fresh process (start-up included).
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import installed_env, main, python, row

DIRS = 100
LINES = 12


def _data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}\n"


def build(repo: Path, files: int, branches: int, changed: int, seed: int = 11) -> list[str]:
    """One `git fast-import` stream: a base commit of `files` files, then one commit per
    branch editing `changed` random files (one random line each, so some pairs conflict)."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    paths = [f"pkg{i % DIRS:02d}/mod{i:05d}.txt" for i in range(files)]
    body = {p: [f"{p} line {j}" for j in range(LINES)] for p in paths}
    out = [
        "commit refs/heads/main\nmark :1\ncommitter B <b@example.com> 1700000000 +0000\n",
        _data("base"),
    ]
    out += [f"M 100644 inline {p}\n" + _data("\n".join(body[p]) + "\n") for p in paths]
    names = []
    for b in range(branches):
        name = f"bench/b{b:03d}"
        names.append(name)
        out += [
            f"commit refs/heads/{name}\ncommitter B <b@example.com> 1700000000 +0000\n",
            _data(name),
            "from :1\n",
        ]
        for p in rng.sample(paths, changed):
            lines = list(body[p])
            lines[rng.randrange(0, LINES, 4)] = f"changed on {name}"
            out.append(f"M 100644 inline {p}\n" + _data("\n".join(lines) + "\n"))
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input="".join(out).encode(), check=True
    )
    return names


def ours(repo: Path, runs: int) -> tuple[float, dict[str, Any]]:
    """Median of `runs`; the first run also warms the object store for the naive side."""
    times = []
    doc: dict[str, Any] = {}
    for _ in range(runs):
        start = time.perf_counter()
        argv = [python(), "-m", "phasegate", "conflicts", "--branches", "bench/*", "--json"]
        p = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=installed_env())
        times.append(time.perf_counter() - start)
        if p.returncode not in (0, 1):
            raise SystemExit(f"phasegate conflicts failed ({p.returncode}): {p.stderr[-2000:]}")
        doc = json.loads(p.stdout)
    return statistics.median(times), doc


def naive(repo: Path, pairs: list[tuple[str, str]]) -> tuple[float, set[tuple[str, str]]]:
    from phasegate.git.mergetree import merge_many

    start = time.perf_counter()
    outcomes = merge_many(repo, [(a, b, False) for a, b in pairs])
    took = time.perf_counter() - start
    return took, {(a, b) for (a, b), o in zip(pairs, outcomes, strict=True) if not o.clean}


def rows(quick: bool) -> list[dict[str, Any]]:
    files, branches, changed = (10_000, 40, 20) if quick else (10_000, 100, 20)
    sample = 200 if quick else None
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        names = build(repo, files, branches, changed)
        pairs = list(combinations(sorted(names), 2))
        ours_s, doc = ours(repo, runs=3)
        found = {(t["a"], t["b"]) for t in doc["textual"]}
        measured = pairs if sample is None else random.Random(3).sample(pairs, sample)
        naive_s, naive_found = naive(repo, measured)
        if sample is None:
            agree = "same conflicting pairs" if naive_found == found else "DISAGREE"
        else:
            agree = (
                "sampled pairs agree"
                if naive_found <= found
                and all(p in naive_found for p in found if p in set(measured))
                else "DISAGREE"
            )
            naive_s *= len(pairs) / len(measured)
    note = (
        f"ours: median of 3 runs, naive: one; {len(pairs)} pairs, {doc['trial_merges']} trial merges, {len(found)} conflicting; "
        f"{agree}"
    )
    if sample is not None:
        note += f"; naive timed on {sample} random pairs and extrapolated to {len(pairs)}"
    return [
        row(
            f"conflicts {branches} branches x {changed} files / {files} files",
            ours_s,
            naive_s,
            f"git merge-tree on all {len(pairs)} pairs",
            "s (lower is better)",
            note,
            read="Finding which pairs of branches conflict, against trial-merging every pair "
            "with git: the ratio is the share of that time phasegate takes.",
        )
    ]


if __name__ == "__main__":
    main(rows, __doc__, "40 branches; naive on a sample")
