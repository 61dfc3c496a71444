"""`phasegate status` on a 1,000-effort plan with 100,000 stored events, beside the start-up
of a bare interpreter (`python -c pass`) measured in the same run.

Both sides run as fresh processes. The plan-facts cache is warmed first (the state a team
is in between plan edits); the first run after an edit also validates the plan.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import main, python, row, time_command

FRAME = "import phasegate.cli.main as m; m.build_app('status')"
EFFORTS = 1_000
EVENTS = 100_000


def write_plan(path: Path, efforts: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    phases = 4
    lines = [
        "version: 1",
        "project: status-bench",
        "units: lines",
        "rate: 700",
        "phases:",
        *[
            f"  - {{id: p{k}, gate: {{require: {{deliverables: '>= 95%'}}}}}}"
            for k in range(phases)
        ],
        "efforts:",
    ]
    per_phase = efforts // phases
    for i in range(efforts):
        k = i // per_phase
        lo = k * per_phase
        deps = sorted(rng.sample(range(lo, i), min(2, i - lo))) if i > lo else []
        lines.append(
            f"  - {{id: e{i}, title: Effort {i}, phase: p{min(k, phases - 1)}, "
            f"size: {rng.randint(100, 900)}, owner: agent-{i % 25}, "
            f"depends_on: [{', '.join(f'e{j}' for j in deps)}], deliverables: [a, b, c, d]}}"
        )
    lines += [
        "metrics:",
        "  - {id: coverage, title: Coverage, unit: '%', target: '> 80'}",
        "  - {id: latency, title: Latency, unit: ms, target: '< 5000', tolerance: '5%'}",
        "escalation:",
        "  critical: {within: 1h}",
        "  high: {within: 8h}",
    ]
    path.write_text("\n".join(lines) + "\n")


def fill_store(state_dir: Path, efforts: int, events: int, seed: int = 5) -> None:
    """A long-running project's history: transitions, agents, reports, checks, blockers."""
    from phasegate.store import open_store

    rng = random.Random(seed)
    t = time.time() - 14 * 86400
    batch: list[dict[str, Any]] = []
    written = 0
    with open_store(None, state_dir=state_dir, clock=lambda: t) as s:
        i = 0
        while written < events:
            e = f"e{i % efforts}"
            r = rng.random()
            if i < efforts:
                item: dict[str, Any] = {
                    "kind": "effort.state",
                    "effort": e,
                    "attempt": 1,
                    "data": {"from": "pending", "to": "running", "reason": ""},
                }
            elif r < 0.75:
                item = {
                    "kind": "report",
                    "effort": e,
                    "data": {
                        "progress": rng.randint(0, 100),
                        "tasks_done": ["a"],
                        "deliverables_total": 4,
                        "metrics": {
                            "coverage": rng.uniform(60, 95),
                            "latency": rng.uniform(3000, 6000),
                        },
                        "note": "progress note",
                        "tokens": 1000,
                    },
                }
            elif r < 0.95:
                item = {
                    "kind": "check.result",
                    "effort": e,
                    "data": {
                        "scope": "effort",
                        "name": "tests",
                        "exit_code": 0,
                        "passed": True,
                        "duration": 1.0,
                    },
                }
            elif r < 0.99:
                item = {
                    "kind": "agent.spawned",
                    "effort": e,
                    "data": {"pid": 1000 + i, "pid_start": 0.0},
                }
            else:
                item = {
                    "kind": "blocker.opened",
                    "effort": e,
                    "data": {"text": "waiting on review", "severity": "high"},
                }
            batch.append(item)
            i += 1
            written += 1
            if len(batch) == 5000:
                s.append_many(batch)
                batch = []
        if batch:
            s.append_many(batch)
        for k in range(0, efforts, 2):
            s.transition(f"e{k}", "checking")
            s.transition(f"e{k}", "done")


def rows(quick: bool) -> list[dict[str, Any]]:
    runs = 5 if quick else 11
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan = root / "phasegate.yaml"
        write_plan(plan, EFFORTS)
        fill_store(root / ".phasegate", EFFORTS, EVENTS)
        status = [python(), "-m", "phasegate", "status", "--no-notify"]
        time_command(status, runs=1, cwd=root)  # writes the plan-facts cache
        ours = time_command(status, runs=runs, cwd=root)
        ours_json = time_command([*status, "--json"], runs=runs, cwd=root)
        anchor = time_command([python(), "-c", "pass"], runs=runs, cwd=root)
        # The floor every command pays before its own work: the interpreter, typer and
        # building the one command's click object.
        frame = time_command([python(), "-c", FRAME], runs=runs, cwd=root)
    notes = f"{runs} runs each; {EVENTS:,} events; goal <= 0.1 s"
    return [
        row(
            f"status {EFFORTS} efforts / {EVENTS // 1000}k events",
            ours,
            anchor,
            "python -c pass",
            "s, median (lower is better)",
            notes,
            read="Whole command, interpreter start-up included; goal <= 0.1 s. python -c pass "
            "shows the interpreter's own share.",
        ),
        row(
            f"status --json {EFFORTS} efforts / {EVENTS // 1000}k events",
            ours_json,
            anchor,
            "python -c pass",
            "s, median (lower is better)",
            notes,
            read="The same with machine-readable output.",
        ),
        row(
            "CLI frame: typer + building the status command",
            frame,
            anchor,
            "python -c pass",
            "s, median (lower is better)",
            "the floor any command pays before phasegate work starts",
            read="What every command pays before its own work: a floor under the rows above.",
        ),
    ]


if __name__ == "__main__":
    main(rows, __doc__)
