"""`phasegate run` on 500 no-op efforts with 8 agents (`--no-worktrees`), beside GNU
`make -j8` running the same dependency graph of the same no-op command, in the same run.

A second row runs efforts with worktrees, one agent at a time, inside this process, timing
every git command phasegate runs: what is left of the wall time after git and the agents
themselves is phasegate's own overhead per effort (store events with fsync, scheduling,
checks, briefs).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import installed_env, print_rows, python, row

NOOP = "true"


def graph(n: int, seed: int = 5) -> list[list[int]]:
    """Each effort depends on up to three earlier ones: a wide DAG of about 20 levels."""
    rnd = random.Random(seed)
    deps: list[list[int]] = []
    for i in range(n):
        pool = range(max(0, i - 60), i)
        k = min(len(pool), rnd.randint(0, 3))
        deps.append(sorted(rnd.sample(pool, k)) if k else [])
    return deps


def plan_yaml(deps: list[list[int]], agents: int) -> str:
    lines = [
        "version: 1",
        "project: bench",
        f'agents: {{max: {agents}, command: "{NOOP}"}}',
        "efforts:",
    ]
    for i, ds in enumerate(deps):
        on = ", ".join(f"e{d}" for d in ds)
        lines.append(f"  - {{id: e{i}, deliverables: [x], depends_on: [{on}]}}")
    return "\n".join(lines) + "\n"


def makefile(deps: list[list[int]]) -> str:
    names = " ".join(f"e{i}" for i in range(len(deps)))
    out = [f".PHONY: all {names}", f"all: {names}"]
    for i, ds in enumerate(deps):
        out.append(f"e{i}: {' '.join(f'e{d}' for d in ds)}".rstrip())
        out.append(f"\t@{NOOP}")
    return "\n".join(out) + "\n"


def _timed(argv: list[str], cwd: Path) -> float:
    return _timed_cpu(argv, cwd)[0]


def _timed_cpu(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time, and the CPU time of the command's whole process tree (its agents too):
    the CPU a shared machine's load barely changes, where wall time moves with it."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=installed_env())
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(
            f"failed ({p.returncode}): {' '.join(argv)}\n{p.stdout[-1500:]}{p.stderr[-1500:]}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def no_worktrees(n: int, agents: int, runs: int) -> list[dict[str, Any]]:
    deps = graph(n)
    ours: list[float] = []
    anchor: list[float] = []
    startup: list[float] = []
    warm: list[float] = []
    floor: list[float] = []
    ours_cpu: list[float] = []  # the run's process tree, less its dry run's
    floor_cpu: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="pg-bench-") as d:
            root = Path(d)
            (root / "phasegate.yaml").write_text(plan_yaml(deps, agents))
            (root / "Makefile").write_text(makefile(deps))
            (root / "graph.json").write_text(json.dumps(deps))
            (root / "floor").mkdir()
            anchor.append(_timed(["make", f"-j{agents}", "all"], root))
            runner = str(Path(__file__).with_name("_floor_runner.py"))
            took, cpu = _timed_cpu([python(), runner, "graph.json", str(agents), "floor"], root)
            floor.append(took)
            floor_cpu.append(cpu)
            argv = [python(), "-m", "phasegate", "run", "--no-worktrees", "--plain"]
            # What the run pays before its first agent: interpreter, plan load, validation.
            took, before = _timed_cpu([*argv, "--agents", str(agents), "--dry-run"], root)
            startup.append(took)
            took, cpu = _timed_cpu([*argv, "--agents", str(agents)], root)
            ours.append(took)
            ours_cpu.append(cpu - before)
            # Again, now that the project has state: the validated plan comes from its cache,
            # as it does for every run after the first.
            warm.append(_timed([*argv, "--agents", str(agents), "--dry-run"], root))
            pyfloor = _timed([python(), "-c", "pass"], root)
    wall, made, fixed, least = (statistics.median(x) for x in (ours, anchor, startup, floor))
    own, base = (wall - fixed) / n * 1000, least / n * 1000
    return [
        row(
            f"run {n} no-op efforts, {agents} agents",
            wall,
            made,
            f"GNU make -j{agents}, same graph",
            "s",
            f"--no-worktrees, fresh store; median of {runs}; start-up (dry run) {fixed:.2f}s, then "
            f"{(wall - fixed) / n * 1000:.1f} ms per effort against make's {made / n * 1000:.2f}",
            read="No-op agents, so this is pure overhead: every state change is synced to disk "
            "before it takes effect, which make never does.",
        ),
        row(
            f"floor of the design, {n} no-op efforts",
            least,
            made,
            f"GNU make -j{agents}, same graph",
            "s",
            "bench/_floor_runner.py: only the exit-status wrapper and a synced event before and "
            f"after each agent, no phasegate; median of {runs}",
            read="The least a durable runner of this design pays, without phasegate: the "
            "obstacle under the row above.",
        ),
        row(
            "engine overhead per effort vs the design's floor",
            own,
            base,
            "bench/_floor_runner.py per effort",
            "ms per effort",
            f"phasegate: (run - its dry-run start-up) / {n}; floor: its whole run / {n}; "
            f"CPU of the process trees (agents included), median: phasegate "
            f"{statistics.median(ours_cpu) / n * 1000:.2f} ms per effort, floor "
            f"{statistics.median(floor_cpu) / n * 1000:.2f}",
            read="What phasegate adds per effort beyond the design's floor; goal <= 1.5x.",
        ),
        row(
            "run start-up (dry run), plan cached",
            statistics.median(warm),
            pyfloor,
            "python -c pass",
            "s",
            f"first run of the plan (validating it): {fixed:.2f}s; median of {runs}",
            read="What `phasegate run` costs before its first agent; goal <= 0.2 s.",
        ),
    ]


def with_worktrees(n: int) -> dict[str, Any]:
    """Overhead per effort beyond git, measured in-process with one agent at a time."""
    import phasegate.proc as proc_mod
    from phasegate.engine import RunOptions, execute
    from phasegate.engine.live import PlainView
    from phasegate.plan.load import load_plan
    from phasegate.store import open_store

    git_time = [0.0]
    real_run = proc_mod.run

    def timed_run(argv: Any, **kw: Any) -> Any:
        result = real_run(argv, **kw)
        if argv and argv[0] == "git":
            git_time[0] += result.duration
        return result

    deps = [[i - 1] if i else [] for i in range(n)]  # a chain: every branch is stacked
    with tempfile.TemporaryDirectory(prefix="pg-bench-wt-") as d:
        repo = Path(d) / "repo"
        repo.mkdir()
        for args in (["init", "-q", "-b", "main"], ["config", "user.email", "b@example.com"],
                     ["config", "user.name", "bench"]):  # fmt: skip
            subprocess.run(["git", *args], cwd=repo, check=True)
        # The agent writes one file so each effort has a commit to stack and merge.
        text = plan_yaml(deps, 1).replace(
            f'command: "{NOOP}"', "command: 'echo x > \"f-$PHASEGATE_EFFORT\"'"
        )
        (repo / "phasegate.yaml").write_text(text)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "plan"], cwd=repo, check=True)
        loaded = load_plan(str(repo / "phasegate.yaml"))
        proc_mod.run = timed_run  # type: ignore[assignment]
        try:
            with open(Path(d) / "log", "w") as log:
                start = time.perf_counter()
                result = execute(loaded.plan, loaded.path, loaded.state_dir, None,
                                 RunOptions(agents=1), PlainView(log))  # fmt: skip
                wall = time.perf_counter() - start
        finally:
            proc_mod.run = real_run
        if not result.ok:
            raise SystemExit(f"worktree bench run failed: {result.reasons[:3]}")
        with open_store(None, state_dir=loaded.state_dir) as store:
            agent_time = sum(
                float(ev.data.get("duration") or 0) for ev in store.events(kinds=["agent.exited"])
            )
        shutil.rmtree(repo / ".phasegate", ignore_errors=True)
    own = (wall - git_time[0] - agent_time) / n
    return row(
        f"worktrees: own overhead per effort ({n})",
        own * 1000,
        git_time[0] / n * 1000,
        "git commands phasegate ran, per effort",
        "ms",
        f"stacked chain, 1 agent; wall {wall:.2f}s = git {git_time[0]:.2f}s + agents "
        f"{agent_time:.2f}s + phasegate {own * n:.2f}s",
        read="With worktrees, phasegate's own time per effort is small beside the git work "
        "of stacking and merging branches.",
    )


def rows(quick: bool) -> list[dict[str, Any]]:
    if quick:
        return [*no_worktrees(100, 8, 1), with_worktrees(8)]
    return [*no_worktrees(500, 8, 3), with_worktrees(40)]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100 efforts, one run")
    print_rows(rows(ap.parse_args().quick))
