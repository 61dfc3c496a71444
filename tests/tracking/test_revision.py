"""Plan revisions: the difference of two plan shapes and its reconciliation, as properties."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from phasegate.store.types import EffortView
from phasegate.tracking.process import process_metrics
from phasegate.tracking.revision import diff, reconcile

IDS = ["a", "b", "c", "d", "e", "f"]
STATES = ["pending", "ready", "running", "checking", "done", "failed", "blocked", "cancelled"]


@st.composite
def shapes(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(st.sampled_from(IDS), unique=True))
    efforts = {}
    for k, e in enumerate(ids):
        deps = draw(st.lists(st.sampled_from(ids[:k]), unique=True)) if k else []
        efforts[e] = {"depends_on": sorted(deps), "size": draw(st.integers(1, 3)), "phase": None}
    return {"efforts": efforts, "phases": {}}


@given(shapes(), shapes())
def test_diff_names_every_added_removed_and_rewired_effort(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    d = diff(old, new)
    oe, ne = old["efforts"], new["efforts"]
    assert set(d.added) == set(ne) - set(oe)
    assert set(d.removed) == set(oe) - set(ne)
    for k in set(oe) & set(ne):
        wire = d.rewired.get(k)
        if oe[k]["depends_on"] == ne[k]["depends_on"]:
            assert wire is None
        else:
            assert wire is not None
            assert set(oe[k]["depends_on"]) - set(wire["removed"]) | set(wire["added"]) == set(
                ne[k]["depends_on"]
            )
        assert ("size" in d.changed.get(k, [])) == (oe[k]["size"] != ne[k]["size"])
    assert diff(new, new).empty


@given(shapes(), shapes(), st.dictionaries(st.sampled_from(IDS), st.sampled_from(STATES)))
def test_every_recorded_removed_effort_is_reconciled_once(
    old: dict[str, Any], new: dict[str, Any], states: dict[str, str]
) -> None:
    views = {k: EffortView(id=k, state=s) for k, s in states.items()}
    d = diff(old, new)
    r = reconcile(d, views)
    for k in d.removed:
        places = [k in r.cancel, k in r.kept_merged, k in r.flagged]
        if k not in views or views[k].state == "cancelled":
            assert not any(places)
        else:
            assert places.count(True) == 1
            assert (k in r.kept_merged) == (views[k].state == "done")
    for k in r.flagged:
        assert k in d.removed or k in d.rewired
    assert r.scheduled == d.added


def test_process_metrics_from_a_small_history() -> None:
    from phasegate.store.types import Event
    from phasegate.tracking.facts import EffortFacts, PlanFacts

    def fact(i: str) -> EffortFacts:
        return EffortFacts(i, "", "p", 1, 2.0, "", "medium", i, [], [], [], [], 0, 0, 0, False)

    facts = PlanFacts("x", "", "days", 1.0, 2, 4.0, [], [], [fact("a"), fact("b")], [], [], [],
                      {}, {})  # fmt: skip
    day = 8 * 3600.0

    def ev(seq: int, kind: str, ts: float, **kw: Any) -> Event:
        return Event(seq, ts, kind, kw.get("effort"), kw.get("phase"), kw.get("attempt"), "",
                     kw.get("data", {}))  # fmt: skip

    events = [
        ev(1, "phase.state", 0, phase="p", data={"to": "open"}),
        ev(2, "effort.state", 0, effort="a", attempt=1, data={"to": "running"}),
        ev(3, "effort.state", day, effort="a", attempt=1, data={"to": "failed"}),
        ev(4, "effort.state", day, effort="a", attempt=2, data={"to": "running"}),
        ev(5, "effort.state", 2 * day, effort="a", attempt=2, data={"to": "done"}),
        ev(6, "effort.state", 0, effort="b", attempt=1, data={"to": "running"}),
        ev(7, "effort.state", day, effort="b", attempt=1, data={"to": "conflicted"}),
        ev(8, "phase.state", 3 * day, phase="p", data={"to": "failed"}),
        ev(9, "phase.state", 4 * day, phase="p", data={"to": "passed"}),
    ]
    views = {"a": EffortView("a", state="done", cost=3.0), "b": EffortView("b", cost=1.0)}
    pm = process_metrics(facts, events, views, [1.0, 2.0])
    assert pm["handoff_lead_time_days"] == {"p": 4.0}
    assert pm["first_time_gate_pass_rate"] == 0.0 and pm["phases_judged"] == 1
    assert pm["rework_rate"] == 0.5 and pm["reworked"] == ["a"]
    assert pm["conflict_rate"] == 0.5 and pm["conflicted"] == ["b"]
    assert pm["agent_success_rate"] == round(1 / 3, 4) and pm["attempts"] == 3
    assert pm["cost_per_effort"] == 4.0 and pm["cost_per_unit"] == 2.0
    assert pm["estimate_ratio"] == 1.5 and pm["estimate_error"] == 0.5
