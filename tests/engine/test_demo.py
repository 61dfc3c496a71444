"""`make demo`: the seed plan end to end; every effort merged after what it depends on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from support import EXAMPLES, ROOT, git


def test_demo_runs_every_wave_and_merges_in_dependency_order(tmp_path: Path) -> None:
    env = {**os.environ, "PHASEGATE_SCRIPTED_DELAY": "0", "COLUMNS": "200"}
    p = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--dir", str(tmp_path / "demo")],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "phase p8: gate passed" in p.stdout
    assert "run finished: 8/8 effort(s) done" in p.stdout
    m = re.search(r"demo repository: (\S+)", p.stdout)
    assert m
    repo = Path(m.group(1))
    assert "== git log --graph --oneline phasegate/integration ==" in p.stdout

    plan = yaml.safe_load((EXAMPLES / "kcp-phase8.yaml").read_text())
    deps = {e["id"]: [d for d in e["depends_on"] if not d.startswith("phase")]
            for e in plan["efforts"]}  # fmt: skip
    subjects = git(repo, "log", "--first-parent", "--reverse", "--format=%s",
                   "phasegate/integration").splitlines()  # fmt: skip
    merged = [re.match(r"phasegate: merge (\S+)", s) for s in subjects]
    order = [x.group(1) for x in merged if x]
    assert sorted(order) == sorted(deps), order
    for i, effort in enumerate(order):
        for d in deps[effort]:
            assert order.index(d) < i, f"{effort} merged before its dependency {d}"
    # Every effort's own file is on the integration branch; the user's checkout is untouched.
    tree = git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")
    assert "pkg/reconciler/placement/status/aggregator.go" in tree
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    # A finished plan has nothing left to slip.
    assert "(slippage -" not in p.stdout and "; finished," in p.stdout
    # It ends with the one command that serves this run's web view, and that command works.
    last = [x for x in p.stdout.splitlines() if "serve -f" in x]
    assert last and last[-1].split("serve -f ")[1].strip().endswith("phasegate.yaml")


def test_demo_replaces_only_its_own_repository(tmp_path: Path) -> None:
    (tmp_path / "kcp").mkdir()
    (tmp_path / "kcp" / "notes.txt").write_text("mine\n")
    p = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 2 and "not made by the demo" in p.stderr
    assert (tmp_path / "kcp" / "notes.txt").read_text() == "mine\n"
