"""Pure status logic: slippage of the critical path, readiness, progress roll-up."""

from __future__ import annotations

from pathlib import Path

from phasegate.store.types import EffortView, PhaseView
from phasegate.tracking.facts import load_facts
from phasegate.tracking.ready import blockers_of, ready
from phasegate.tracking.status import DAY, Snapshot
from phasegate.tracking.status import project as status_of

NOW = 1_800_000_000.0


def _snap(efforts: dict[str, EffortView], start: float | None) -> Snapshot:
    return Snapshot(NOW, efforts, {}, [], {}, {}, {}, start, {}, 0, set())


def test_no_history_means_no_slippage(project: Path) -> None:
    facts, _ = load_facts(None)
    cp = status_of(facts, _snap({}, None))["critical_path"]
    assert (cp["planned"], cp["remaining"], cp["projected"], cp["slippage"]) == (
        3300,
        3300,
        None,
        None,
    )


def test_two_idle_days_slip_the_critical_path_by_two_days(project: Path) -> None:
    facts, _ = load_facts(None)
    cp = status_of(facts, _snap({}, NOW - 2 * DAY))["critical_path"]
    assert cp["elapsed"] == 1400 and cp["projected"] == 4700
    assert cp["slippage"] == 1400 and cp["slippage_days"] == 2


def test_finished_work_shortens_the_remaining_path(project: Path) -> None:
    facts, _ = load_facts(None)
    done = {e: EffortView(e, state="done") for e in ("8.1.1", "8.1.2", "8.2.1")}
    half = {"8.2.2": EffortView("8.2.2", state="running", progress=50)}
    st = status_of(facts, _snap({**done, **half}, NOW - 3 * DAY))
    cp = st["critical_path"]
    # Left: 8.2.3 (550) after 8.2.2's other half (325) -> 8.3.1 (700) -> 8.3.2 (600).
    assert cp["remaining"] == 325 + 550 + 700 + 600
    assert cp["slippage"] == 2100 + 2175 - 3300
    by_id = {e["id"]: e for e in st["efforts"]}
    assert by_id["8.1.1"]["progress"] == 100 and by_id["8.2.2"]["progress"] == 50
    expected = (700 + 600 + 750 + 325) / 5100 * 100
    assert abs(st["totals"]["progress"] - expected) < 1e-9


def test_ready_needs_dependencies_done_and_previous_phases_closed(project: Path) -> None:
    facts, _ = load_facts(None)
    running = {"8.1.1": EffortView("8.1.1", state="running")}
    assert [f.id for f in ready(facts, running, {})] == ["8.1.2"]
    f = facts.by_id["8.2.2"]
    assert blockers_of(f, facts, running, {}) == ["8.1.1 (running)"]
    done = {"8.1.1": EffortView("8.1.1", state="done")}
    assert blockers_of(f, facts, done, {}) == []
    # A phase waits for the gates of the phases before it.
    from dataclasses import replace

    later = replace(facts.phases[0], id="p9", after=["p8"])
    facts2 = replace(facts, phases=[*facts.phases, later])
    f9 = replace(f, phase="p9", depends_on=[])
    assert blockers_of(f9, facts2, {}, {}) == ["phase p8 gate (waiting)"]
    assert blockers_of(f9, facts2, {}, {"p8": PhaseView("p8", state="passed")}) == []
