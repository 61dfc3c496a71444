"""PlanGraph.of builds a plan's graph once per plan object; the loader's graph is that one."""

from __future__ import annotations

from phasegate.plan.load import load_plan
from phasegate.plangraph import PlanGraph
from support import EXAMPLES


def test_one_graph_per_plan_object() -> None:
    loaded = load_plan(str(EXAMPLES / "kcp-phase8.yaml"))
    assert PlanGraph.of(loaded.plan) is loaded.graph
    again = load_plan(str(EXAMPLES / "kcp-phase8.yaml"))
    assert again.plan == loaded.plan
    assert again.graph is not loaded.graph  # another object gets its own graph


def test_seeded_graph_matches_a_fresh_build() -> None:
    loaded = load_plan(str(EXAMPLES / "kina.yaml"))
    copy = loaded.plan.model_copy()
    fresh = PlanGraph.of(copy)
    assert fresh is not loaded.graph
    assert fresh.critical_efforts() == loaded.graph.critical_efforts()
    assert fresh.waves() == loaded.graph.waves()
    assert fresh.slack() == loaded.graph.slack()
