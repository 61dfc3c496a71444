"""Ready-work computation on a 1,000-task Task Master file: `phasegate ready` on the imported
plan beside `task-master next` from the task-master-ai npm package, in the same run.

The npm package is installed once into bench/.cache (a few minutes); in quick mode the row
is skipped with a note when it is not installed yet.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, main, python, row, time_command

CACHE = ROOT / "bench" / ".cache" / "taskmaster"
BIN = CACHE / "node_modules" / ".bin" / "task-master"


def write_tasks(project: Path, n: int = 1000, seed: int = 3) -> Path:
    """Tasks shaped like task-master's own tasks.json (tagged layout), 20% already done."""
    rng = random.Random(seed)
    tasks = []
    for i in range(1, n + 1):
        k = min(i - 1, rng.randint(0, 3))
        deps = sorted(rng.sample(range(max(1, i - 50), i), k)) if k else []
        tasks.append(
            {
                "id": i,
                "title": f"Task {i}",
                "description": f"Implement part {i}",
                "details": "",
                "testStrategy": "",
                "status": "done" if i <= n // 5 else "pending",
                "dependencies": deps,
                "priority": rng.choice(["low", "medium", "high"]),
                "subtasks": [],
            }
        )
    path = project / ".taskmaster" / "tasks" / "tasks.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"master": {"tasks": tasks, "metadata": {"created": "2026-01-01T00:00:00Z"}}}
    path.write_text(json.dumps(doc, indent=2))
    return path


def ensure_taskmaster(allow_install: bool) -> str | None:
    """Path of the task-master binary, installing it from npm when allowed; None if absent."""
    if BIN.exists():
        return str(BIN)
    if not allow_install or shutil.which("npm") is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(CACHE),
            "--no-audit",
            "--no-fund",
            "--silent",
            "task-master-ai",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    return str(BIN) if p.returncode == 0 and BIN.exists() else None


def rows(quick: bool) -> list[dict[str, Any]]:
    runs = 3 if quick else 5
    name = "ready work, 1000-task Task Master file"
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        tasks = write_tasks(project)
        plan = project / "phasegate.yaml"
        subprocess.run(
            [python(), "-m", "phasegate", "import", str(tasks), "-o", str(plan)],
            check=True,
            capture_output=True,
        )
        ours = time_command([python(), "-m", "phasegate", "ready", "-f", str(plan)], runs=runs)
        tm = ensure_taskmaster(allow_install=not quick)
        if tm is None:
            why = (
                "not installed (run `make bench` once without QUICK)"
                if quick
                else "npm could not install task-master-ai"
            )
            return [
                {
                    "name": name,
                    "ours": round(ours, 4),
                    "anchor": None,
                    "anchor_name": "task-master next",
                    "ratio": None,
                    "unit": "s, median (lower is better)",
                    "notes": f"anchor skipped: {why}",
                },
                big_plan(runs),
            ]
        anchor = time_command([tm, "next"], runs=runs, cwd=project)
    return [
        row(
            name,
            ours,
            anchor,
            "task-master next (task-master-ai)",
            "s, median (lower is better)",
            f"{runs} runs each",
            read="Answering 'what can start now' from a 1,000-task file, against the tool "
            "that owns the format.",
        ),
        big_plan(runs),
    ]


def big_plan(runs: int, efforts: int = 10_000) -> dict[str, Any]:
    """`phasegate ready` on a 10,000-effort plan of a project that has state (so the
    validated plan comes from its cache, as it does from the second command on)."""
    from check import generate

    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "phasegate.yaml"
        generate(plan, efforts, 5 * efforts)
        (Path(tmp) / ".phasegate").mkdir()
        ours = time_command([python(), "-m", "phasegate", "ready", "-f", str(plan)], runs=runs)
        floor = time_command([python(), "-c", "pass"], runs=runs)
    return row(
        f"ready, {efforts // 1000}k-effort plan",
        ours,
        floor,
        "python -c pass",
        "s, median (lower is better)",
        f"{runs} runs each after one warm-up; {5 * efforts} dependencies",
        read="Whole command on a big plan, validated plan from the cache; goal <= 0.1 s.",
    )


if __name__ == "__main__":
    main(rows, __doc__)
