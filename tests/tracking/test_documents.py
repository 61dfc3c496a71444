"""Every example plan renders every document kind; kcp-phase8's wave plan matches seed 004."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.plan.load import load_plan
from phasegate.tracking.documents import KINDS
from support import EXAMPLES, CliResult

Cli = Callable[..., CliResult]
PLANS = sorted(p for p in EXAMPLES.glob("*.yaml") if "demo" not in p.name)


def _copy(plan: Path, tmp: Path) -> Path:
    target = tmp / plan.name
    shutil.copy(plan, target)
    return target


def _with_some_state(cli: Cli, plan: Path) -> None:
    """Start the first effort and report on it, so documents show live state too."""
    p = load_plan(str(plan)).plan
    first = p.efforts[0]
    assert cli("start", first.id, "-f", str(plan), "--force").code == 0
    args = ["report", first.id, "-f", str(plan), "--progress", "30", "--note", "handoff note"]
    if first.deliverables:
        args += ["--task-done", "1"]
    if p.metrics:
        args += ["--metric", f"{p.metrics[0].id}=1"]
    args += ["--blocker", "waiting for access", "--severity", "high"]
    r = cli(*args)
    assert r.code == 0, r.err


def test_all_five_example_plans_are_covered() -> None:
    names = {p.name for p in PLANS}
    assert {
        "kcp-phase8.yaml",
        "kina.yaml",
        "rig.yaml",
        "phase2-workstreams.yaml",
        "vana.yaml",
    } <= names


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_every_kind_renders(
    cli: Cli, tmp_path: Path, plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PHASEGATE_DB", raising=False)
    target = _copy(plan, tmp_path)
    _with_some_state(cli, target)
    p = load_plan(str(target)).plan
    for kind in KINDS:
        out = tmp_path / f"{kind}.md"
        r = cli("doc", "--kind", kind, "-f", str(target), "-o", str(out))
        assert r.code == 0, (kind, r.err)
        text = out.read_text()
        assert (
            text.endswith("\n")
            and "Undefined" not in text
            and "None" not in text.replace("None declared", "").replace("None:", "")
        )
        assert p.efforts[0].id in text, kind
    status = (tmp_path / "status.md").read_text()
    assert "## Success Metrics" in status and "## Workstreams" in status
    assert "waiting for access" in (tmp_path / "daily.md").read_text()
    assert "### Objectives Met:" in (tmp_path / "weekly.md").read_text()
    handoff = (tmp_path / "handoff.md").read_text()
    assert "### Sign-off" in handoff and "handoff note" in handoff
    wave = (tmp_path / "wave-plan.md").read_text()
    assert "```mermaid" in wave and "## Wave Summary Table" in wave
    assert "## Execution Timeline" in wave


def _mid(x: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", x)


def test_kcp_wave_plan_shows_seed_004_graph_and_critical_path(cli: Cli, tmp_path: Path) -> None:
    target = _copy(EXAMPLES / "kcp-phase8.yaml", tmp_path)
    r = cli("doc", "--kind", "wave-plan", "-f", str(target))
    assert r.code == 0, r.err
    text = r.out
    # The dependency edges of seed 004's graph (its W1_1 is 8.1.1, and so on).
    seed_edges = [
        ("phase5-interfaces", "8.1.1"),
        ("phase5-interfaces", "8.1.2"),
        ("phase6-infrastructure", "8.1.1"),
        ("phase7-syncer", "8.3.3"),
        ("8.1.1", "8.2.1"),
        ("8.1.2", "8.2.1"),
        ("8.1.1", "8.2.2"),
        ("8.2.1", "8.2.3"),
        ("8.2.2", "8.2.3"),
        ("8.2.1", "8.3.1"),
        ("8.2.2", "8.3.1"),
        ("8.2.3", "8.3.1"),
        ("8.3.1", "8.3.2"),
        ("8.3.1", "8.3.3"),
    ]
    for a, b in seed_edges:
        assert f"{_mid(a)} --> {_mid(b)}" in text, (a, b)
    # Seed 004 highlights workspace discovery -> scheduler -> decision maker -> controller.
    for e in ("8.1.1", "8.2.1", "8.2.3", "8.3.1"):
        assert f"style {_mid(e)} fill:#ff9999" in text
    for e in ("8.1.2", "8.2.2", "8.3.3"):
        assert f"style {_mid(e)} fill" not in text
    rows = [line for line in text.splitlines() if re.match(r"\| [123] \|", line)]
    assert rows == [
        "| 1 | 8.1.1, 8.1.2 | 2 | phase5-interfaces, phase6-infrastructure | 8.1.1 | Day 1 |",
        "| 2 | 8.2.1, 8.2.2, 8.2.3 | 3 | wave 1 | 8.2.1 → 8.2.3 | Days 2-3 |",
        "| 3 | 8.3.1, 8.3.2, 8.3.3 | 3 | phase7-syncer, wave 2 | 8.3.1 → 8.3.2 | Days 3-5 |",
    ]
    assert "**Agent 1: workspace-discovery-specialist** (critical path)" in text
    assert "| Day 1 AM | Workspace Discovery (350L) |" in text
    assert "Duration with 4 agents**: 3300 lines" in text


def test_templates_can_be_overridden(cli: Cli, tmp_path: Path) -> None:
    target = _copy(EXAMPLES / "kcp-phase8.yaml", tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "status.md.j2").write_text("custom {{ project }} {{ status.totals.efforts }}\n")
    r = cli("doc", "--kind", "status", "-f", str(target), "--templates", str(mine))
    assert r.code == 0 and r.out == "custom kcp-tmc-phase8 8\n"
    local = tmp_path / ".phasegate" / "templates"
    local.mkdir(parents=True)
    (local / "daily.md.j2").write_text("local {{ week }}\n")
    assert cli("doc", "--kind", "daily", "-f", str(target)).out == "local 1\n"
    (local / "weekly.md.j2").write_text("{{ no_such_value }}\n")
    r = cli("doc", "--kind", "weekly", "-f", str(target))
    assert r.code == 2 and "no_such_value" in r.err
    r = cli("doc", "--kind", "memo", "-f", str(target))
    assert r.code == 2 and "unknown document kind" in r.err


SMALL = """
version: 1
project: tiny
units: points
agents: {max: 2}
efforts:
  - {id: a, size: 3}
  - {id: b, size: 2, depends_on: [a]}
  - {id: c, size: 4}
"""


def test_plan_without_rate_or_phases_renders(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(SMALL)
    for kind in KINDS:
        r = cli("doc", "--kind", kind, "-f", str(plan))
        assert r.code == 0, (kind, r.err)
    wave = cli("doc", "--kind", "wave-plan", "-f", str(plan)).out
    assert "| Effort | Wave | Agent | Start | End |" in wave
    rows = [line for line in wave.splitlines() if line[:4] in ("| a ", "| b ", "| c ")]
    assert rows == ["| a | 1 | 1 | 0 | 3 |", "| c | 1 | 2 | 0 | 4 |", "| b | 2 | 1 | 3 | 5 |"]
    st = cli("status", "-f", str(plan))
    assert st.code == 0 and "planned 5 points, remaining 5 points" in st.out


def test_success_metrics_are_listed_once(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "kcp.yaml"
    target.write_text((EXAMPLES / "kcp-phase8.yaml").read_text())
    text = cli("doc", "--kind", "wave-plan", "-f", str(target)).out
    success = text.split("## Success Metrics", 1)[1]
    assert "Test coverage across all components: > 70" in success
    # The phase deliverable restating that metric is not listed a second time.
    assert ">70% test coverage" not in success and "<5s for placement" not in success
    assert "Can place workload across workspaces" in success


def test_daily_says_which_checks_pass(cli: Cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "kcp.yaml"
    target.write_text((EXAMPLES / "kcp-phase8.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    from phasegate.store import open_store

    with open_store(None, state_dir=tmp_path / ".phasegate") as s:
        s.append(
            "check.result", effort="8.1.1", data={"scope": "effort", "name": "t", "passed": True}
        )
        s.append("check.result", phase="p8", data={"scope": "gate", "name": "g", "passed": False})
    text = cli("doc", "--kind", "daily", "-f", str(target)).out
    assert "Tests passing" not in text
    assert "Checks passing: 1/2 (50%): effort checks 1/1, gate checks 0/1" in text
