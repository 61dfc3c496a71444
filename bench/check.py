"""`phasegate check` on a generated 10,000-effort, 50,000-dependency plan, beside loading
the same file with PyYAML's C loader and analysing it with networkx, in the same run.

Both sides run as fresh processes, so both pay interpreter start-up and imports.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import main, python, row, time_command

ANCHOR = """
import sys, yaml, networkx as nx
with open(sys.argv[1]) as f:
    doc = yaml.load(f, Loader=yaml.CSafeLoader)
g = nx.DiGraph()
size = {}
for e in doc["efforts"]:
    g.add_node(e["id"])
    size[e["id"]] = e.get("size", 1)
    for d in e.get("depends_on", []):
        g.add_edge(d, e["id"])
assert nx.is_directed_acyclic_graph(g)
waves = list(nx.topological_generations(g))
finish = {}
for u in nx.topological_sort(g):
    finish[u] = size[u] + max((finish[p] for p in g.predecessors(u)), default=0)
print(len(waves), max(finish.values()))
"""


def generate(path: Path, efforts: int, deps: int, seed: int = 7) -> None:
    """A layered random DAG: each effort depends on earlier ones, never later (acyclic)."""
    rng = random.Random(seed)
    per = [0] * efforts
    for _ in range(deps):
        per[rng.randrange(1, efforts)] += 1
    lines = ["version: 1", "project: bench", "units: points", "rate: 5", "efforts:"]
    for i in range(efforts):
        k = min(per[i], i)
        chosen = sorted(rng.sample(range(max(0, i - 400), i), min(k, i - max(0, i - 400))))
        dep = ", ".join(f"e{j}" for j in chosen)
        lines.append(
            f"  - {{id: e{i}, title: Effort {i}, size: {rng.randint(1, 9)}, "
            f"depends_on: [{dep}], deliverables: [d{i}]}}"
        )
    path.write_text("\n".join(lines) + "\n")


def rows(quick: bool) -> list[dict[str, Any]]:
    efforts, deps, runs = (2_000, 10_000, 3) if quick else (10_000, 50_000, 5)
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.yaml"
        generate(plan, efforts, deps)
        anchor_py = Path(tmp) / "anchor.py"
        anchor_py.write_text(ANCHOR)
        ours = time_command([python(), "-m", "phasegate", "check", "-f", str(plan)], runs=runs)
        anchor = time_command([python(), str(anchor_py), str(plan)], runs=runs)
    return [
        row(
            f"check {efforts} efforts / {deps} deps",
            ours,
            anchor,
            "PyYAML CSafeLoader + networkx",
            "s, median (lower is better)",
            f"{runs} runs each; full validation vs load + DAG check + generations + longest path",
            read="Below 1 means validating everything takes less than just loading the YAML "
            "with PyYAML's C loader and analysing the graph with networkx; goal <= 1.0.",
        )
    ]


if __name__ == "__main__":
    main(rows, __doc__)
