"""Acceptance: the two seed documents, exactly as written, import to the plans they describe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from imports.helpers import graph_of, imported_plan
from phasegate.plan.load import load_plan
from phasegate.plangraph import PlanGraph
from support import SHARED, CliResult


def _seed(prefix: str) -> Path:
    found = sorted((SHARED / "seeds").glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} not present")
    return found[0]


def test_seed_004_critical_path_and_earlier_phases(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    out = tmp_path / "phasegate.yaml"
    r = cli("import", str(_seed("004")), "-o", str(out))
    assert r.code == 0, r.err
    plan = load_plan(str(out)).plan
    g = PlanGraph.of(plan)
    assert g.critical_efforts() == ["8.1.1", "8.2.1", "8.2.3", "8.3.1", "8.3.2"]
    assert g.analysis.length == 3300
    assert plan.units == "lines"
    titles = {x.id: x.title for x in plan.external}
    assert sorted(titles.values()) == [
        "Phase 5: Interfaces",
        "Phase 6: Infrastructure",
        "Phase 7: Syncer",
    ]
    assert all(x.status == "done" for x in plan.external)
    by_title = {v: k for k, v in titles.items()}
    assert set(plan.effort("8.1.1").depends_on) == {
        by_title["Phase 5: Interfaces"],
        by_title["Phase 6: Infrastructure"],
    }
    assert set(plan.effort("8.3.3").depends_on) == {"8.3.1", by_title["Phase 7: Syncer"]}


def test_seed_004_dotted_critical_path_edges_add_no_dependency() -> None:
    loaded = imported_plan(_seed("004"))
    # 14 solid arrows in the diagram; the three dotted "Critical Path" ones repeat solid ones
    assert sum(len(d) for d in graph_of(loaded).values()) == 14
    assert graph_of(loaded)["8.2.3"] == {"8.2.1", "8.2.2"}


def test_seed_004_sections_lend_branches_and_files_to_the_graph_nodes() -> None:
    plan = imported_plan(_seed("004")).plan
    assert plan.effort("8.2.2").branch == "feature/tmc-completion/p8w2-cel-evaluator"
    assert plan.effort("8.3.3").files == ["pkg/reconciler/placement/status/aggregator.go"]
    assert plan.effort("8.1.1").size == 700
    assert "AuthorizationChecker interface" in plan.effort("8.1.1").interfaces
    assert "Binding status reconciliation" in plan.effort("8.3.2").deliverables


def test_seed_004_through_the_mermaid_importer_gives_the_same_graph() -> None:
    seed = _seed("004")
    as_markdown = graph_of(imported_plan(seed, "markdown"))
    as_mermaid = graph_of(imported_plan(seed, "mermaid"))
    assert as_markdown == as_mermaid


def test_seed_002_five_workstreams(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    out = tmp_path / "phasegate.yaml"
    r = cli("import", str(_seed("002")), "--from", "markdown", "-o", str(out))
    assert r.code == 0, r.err
    # the undefined name is warned about at the line of the dependency block that names it
    assert re.search(r"\.txt:\d+: warning: .*'build-system-stabilization'", r.err)
    plan = load_plan(str(out)).plan
    assert [e.id for e in plan.efforts] == [
        "testing-infrastructure",
        "kernel-events-expansion",
        "storage-enhancements",
        "security-enhancements",
        "performance-observability",
    ]
    assert [x.id for x in plan.external] == ["build-system-stabilization"]
    storage = plan.effort("storage-enhancements")
    assert set(storage.depends_on) == {"build-system-stabilization", "kernel-events-expansion"}
    perf = plan.effort("performance-observability")
    assert set(perf.depends_on) == {"testing-infrastructure", "kernel-events-expansion"}
    kernel = plan.effort("kernel-events-expansion")
    assert kernel.branch == "feature/kernel-events-expansion"
    assert kernel.owner == "kernel-events-003"
    assert kernel.priority == "high"
    assert plan.effort("security-enhancements").priority == "medium"
    assert "Create Error event framework" in kernel.deliverables


def test_seed_002_recorded_state_is_written_as_comments() -> None:
    from phasegate.imports import dump, read

    imported = read(str(_seed("002")), "markdown")
    assert imported.state["storage-enhancements"] == "running"
    text = dump(imported)
    assert "# recorded state:" in text


def test_init_from_seed_writes_a_valid_plan(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    out = tmp_path / "phasegate.yaml"
    r = cli("init", "--from", str(_seed("004")), "-o", str(out))
    assert r.code == 0, r.err
    assert PlanGraph.of(load_plan(str(out)).plan).analysis.length == 3300
