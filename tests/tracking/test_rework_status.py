"""Status after a rollback: the efforts sent back to rework count as not done."""

from __future__ import annotations

import json
from pathlib import Path

from support import git, run_phasegate

PLAN = """\
version: 1
project: rework-status
agents: {max: 2, command: "python -m phasegate.agents.scripted", retries: 0}
phases:
  - {id: p, gate: {checks: [{run: "true"}]}}
efforts:
  - {id: a, size: 2, files: ["out/a.txt"], deliverables: [A1, A2]}
  - {id: b, size: 1, depends_on: [a], files: ["out/b.txt"], deliverables: [B1]}
  - {id: c, size: 1, files: ["out/c.txt"], deliverables: [C1]}
"""


def _status(repo: Path) -> dict[str, object]:
    r = run_phasegate("status", "--json", cwd=repo)
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert isinstance(doc, dict)
    return doc


def _figures(doc: dict[str, object]) -> tuple[object, ...]:
    totals, phases, path, efforts = (
        doc["totals"],
        doc["phases"],
        doc["critical_path"],
        doc["efforts"],
    )
    assert isinstance(totals, dict) and isinstance(phases, list) and isinstance(path, dict)
    assert isinstance(efforts, list)
    progress = {e["id"]: (e["state"], e["progress"]) for e in efforts}
    deliverables = (phases[0]["deliverables_done"], phases[0]["deliverables_total"])
    return totals["progress"], deliverables, path["remaining"], progress


def test_rolled_back_efforts_lose_their_progress_until_they_report_again(repo: Path) -> None:
    (repo / "phasegate.yaml").write_text(PLAN)
    (repo / ".gitignore").write_text(".phasegate/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    r = run_phasegate("run", "--plain", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert _figures(_status(repo))[:3] == (100, (4, 4), 0)

    r = run_phasegate("rollback", "a", "--reason", "bad a", cwd=repo)
    assert r.code == 0, r.out + r.err
    # a and b (stacked on a) are reverted; only c (size 1 of 4) still counts.
    assert _figures(_status(repo)) == (
        25,
        (1, 4),
        3,
        {"a": ("rework", 0), "b": ("rework", 0), "c": ("done", 100)},
    )
    text = run_phasegate("status", cwd=repo).out
    assert "25% done" in text and "remaining 3 points" in text, text

    # Reporting again counts again.
    assert run_phasegate("report", "a", "--task-done", "A1", cwd=repo).code == 0
    total, deliverables, remaining, progress = _figures(_status(repo))
    assert (total, deliverables, remaining, progress["a"]) == (50, (2, 4), 2, ("rework", 50))

    r = run_phasegate("run", "--plain", cwd=repo)
    assert r.code == 0, r.out + r.err
    assert _figures(_status(repo))[:3] == (100, (4, 4), 0)
