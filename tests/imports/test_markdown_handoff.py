"""Markdown plans written as handoffs between phases ("Phase 1 → Phase 2"): the last strategy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imports.helpers import imported_plan
from phasegate.imports import read
from phasegate.plan.load import load_plan
from phasegate.plan.model import Plan
from support import SHARED, CliResult


def _seed(prefix: str) -> Path:
    found = sorted((SHARED / "seeds").glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} not present")
    return found[0]


def _per_phase(plan: Plan) -> dict[str, int]:
    return {p.id: sum(e.phase == p.id for e in plan.efforts) for p in plan.phases}


def _after(plan: Plan) -> dict[str, list[str]]:
    return {p.id: plan.phase_after(i) for i, p in enumerate(plan.phases)}


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_imports_validate_and_analyse(
    prefix: str, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    out = tmp_path / "phasegate.yaml"
    r = cli("import", str(_seed(prefix)), "-o", str(out))
    assert r.code == 0, r.err
    for command in ("check", "waves", "path"):
        r = cli(command, "-f", str(out))
        assert r.code == 0, (command, r.err)
    assert load_plan(str(out)).plan.efforts


def test_seed_000_three_phases_of_required_outputs() -> None:
    seed = _seed("000")
    imp = read(str(seed), "markdown")
    plan = imported_plan(seed, "markdown").plan
    assert _per_phase(plan) == {"phase-1": 5, "phase-2": 5, "phase-3": 5}
    assert _after(plan) == {"phase-1": [], "phase-2": ["phase-1"], "phase-3": ["phase-2"]}
    first = plan.effort("functional-rust-project-structure")
    assert (first.title, first.phase) == (
        "Functional Rust project structure with Cargo.toml",
        "phase-1",
    )
    p1 = plan.phases[0]
    # the next phase's prerequisites and the phase's own validation section: criteria a
    # person signs off, not prose in the description
    assert "CLI framework must accept and parse commands" in p1.gate.criteria
    assert "Build System: Project builds successfully" in p1.gate.criteria
    assert p1.description == ""
    assert p1.gate.checks == []  # nothing in the document is a command
    assert p1.gate.require.deliverables == "== 100%"
    # Phase 4 only receives: no outputs of its own, so no efforts and no phase
    assert any("Phase 4 lists no outputs" in w for w in imp.warnings)
    assert plan.phases[2].gate.criteria  # Phase 4's prerequisites: Phase 3's handoff


def test_seed_001_four_phases_with_validation_and_integration_points() -> None:
    plan = imported_plan(_seed("001"), "markdown").plan
    assert _per_phase(plan) == {"phase-1": 5, "phase-2": 5, "phase-3": 5, "phase-4": 5}
    assert [a for a in _after(plan).values()] == [[], ["phase-1"], ["phase-2"], ["phase-3"]]
    p2 = plan.phases[1]
    assert p2.gate.criteria[0] == "WebSocket connections stable across network interruptions"
    assert "Real-time events processed with <100ms latency" in p2.gate.criteria
    assert len(p2.gate.criteria) == 5
    assert p2.integration_points[0] == "Real-time resource status updates via WebSocket events"
    assert len(p2.integration_points) == 5
    ids = [e.id for e in plan.efforts if e.phase == "phase-1"]
    assert ids == [
        "working-authentication-system",
        "http-client-wrapper",
        "cli-framework",
        "configuration-system",
        "comprehensive-testing-infrastructure",
    ]
    assert plan.effort("cli-framework").deliverables == [
        "CLI framework with command structure and global flags"
    ]


SYNTHETIC = """# Data platform rollout

Stages hand over as follows.

## Stage A -> Stage B
- Outputs:
  - Ingest service
    - HTTP endpoint
    - Kafka writer
  - Schema registry
- Exit criteria:
  - ingest sustains 1k events/s

**Open questions:**
- who owns the registry?

## Stage B → Stage C
**Stage C Prerequisites:**
- dashboards agreed

## Stage C to Stage D

#### Deliverables
- Warehouse loader (depends on nothing)
- Warehouse loader

#### Interfaces
- loader reads the registry

## Stage C Validation
- loads finish within the nightly window
"""


def test_handoff_shape_is_general(tmp_path: Path) -> None:
    p = tmp_path / "rollout.md"
    p.write_text(SYNTHETIC, encoding="utf-8")
    imp = read(str(p))
    plan = imported_plan(p).plan
    # Stage B lists nothing it hands on: left out, and C takes its place after A
    assert [ph.id for ph in plan.phases] == ["stage-a", "stage-c"]
    assert _after(plan) == {"stage-a": [], "stage-c": ["stage-a"]}
    assert any("Stage B lists no outputs" in w and "gate criteria" in w for w in imp.warnings)
    assert any("'Open questions'" in w for w in imp.warnings)
    ingest = plan.effort("ingest-service")
    assert (ingest.phase, ingest.deliverables) == ("stage-a", ["HTTP endpoint", "Kafka writer"])
    assert plan.effort("schema-registry").deliverables == ["Schema registry"]
    a, c = plan.phases
    assert a.gate.criteria == ["ingest sustains 1k events/s"]
    assert c.gate.criteria == ["loads finish within the nightly window"]
    assert c.integration_points == ["loader reads the registry"]
    # two outputs with the same text get distinct ids
    assert [e.id for e in plan.efforts if e.phase == "stage-c"] == [
        "warehouse-loader",
        "warehouse-loader-2",
    ]


def test_handoff_sections_are_the_last_resort(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(SYNTHETIC + "\n## Phase 9: Cleanup\n- [ ] drop old tables\n", encoding="utf-8")
    plan = imported_plan(p).plan
    # a checklist is found first, so the handoff lists are not read
    assert [e.title for e in plan.efforts] == ["drop old tables"]


def test_prose_about_phases_is_not_a_handoff(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(
        "# Notes\n\n## Phase transition to production\n**Required Outputs:**\n- a thing\n",
        encoding="utf-8",
    )
    imp = read(str(p))
    assert imp.data["efforts"] == []
    assert any("no efforts found" in w for w in imp.warnings)
