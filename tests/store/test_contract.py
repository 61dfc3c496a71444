"""The store contract: what the run engine, conflicts, rollback and the commands rely on."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from phasegate.errors import InputError, StateError, UsageError
from phasegate.store import Store, open_store
from store.clocks import FakeClock


def test_empty_store_has_pending_efforts(store: Store) -> None:
    v = store.effort("x")
    assert (v.state, v.attempt, v.progress, v.merged, v.blockers_open) == (
        "pending",
        0,
        0,
        False,
        0,
    )
    assert store.efforts() == {}
    assert store.phases() == {}
    assert store.events() == []


def test_append_assigns_increasing_seq_and_clock_time(store: Store, clock: FakeClock) -> None:
    a = store.append("custom.kind", data={"x": 1})
    clock.advance(5)
    b = store.append("custom.kind", effort="e1")
    assert a is not None and b is not None
    assert b.seq > a.seq
    assert (a.ts, b.ts) == (clock.now - 5, clock.now)
    assert [e.kind for e in store.events()] == ["custom.kind", "custom.kind"]
    assert store.events(effort="e1") == [b]
    assert store.events(after=a.seq) == [b]
    assert a.key and a.key != b.key


def test_duplicate_key_stores_nothing(store: Store) -> None:
    first = store.append("report", effort="e", data={"progress": 10}, key="k")
    assert first is not None
    assert store.append("report", effort="e", data={"progress": 90}, key="k") is None
    assert len(store.events()) == 1
    assert store.effort("e").progress == 10
    assert store.has_key("k", effort="e")
    assert not store.has_key("k") and not store.has_key("k", effort="f")


def test_keys_are_scoped_to_the_effort_or_phase(store: Store) -> None:
    """Two agents choosing the same key for their own efforts both get their reports stored;
    a phase's keys are its own; events with neither share one scope."""
    assert store.append("report", effort="e1", data={"progress": 10}, key="step-1")
    assert store.append("report", effort="e2", data={"progress": 20}, key="step-1")
    assert store.append("report", effort="e2", data={"progress": 90}, key="step-1") is None
    assert (store.effort("e1").progress, store.effort("e2").progress) == (10, 20)
    # The duplicate of a report with an attempt is answered before the attempt is judged.
    store.transition("e3", "running")
    assert store.append("report", effort="e3", attempt=1, data={"progress": 5}, key="step-1")
    assert (
        store.append("report", effort="e3", attempt=1, data={"progress": 6}, key="step-1") is None
    )
    assert store.append("check.result", phase="p1", data={"n": 1}, key="check:0")
    assert store.append("check.result", phase="p2", data={"n": 2}, key="check:0")
    assert store.append("check.result", phase="p1", data={"n": 3}, key="check:0") is None
    # An effort and a phase that happen to share an id are still two scopes.
    assert store.append("x", effort="p1", key="check:0")
    assert store.append("custom", key="check:0")
    assert store.append("custom", key="check:0") is None
    assert store.append("custom", effort="", key="check:0")  # '' is an id, not "no effort"
    assert store.has_key("check:0", phase="p2") and not store.has_key("check:0", phase="p3")
    # Keys of transitions are scoped the same way.
    a = store.transition("t1", "running", key="go")
    b = store.transition("t2", "running", key="go")
    assert a != b and store.transition("t1", "running", key="go") == a
    assert len(store.events()) == 11


def test_engine_keys_still_store_each_fact_once(store: Store) -> None:
    store.transition("e", "running")
    for _ in range(2):
        store.append("agent.spawned", effort="e", attempt=1, data={"pid": 1}, key="spawn:e:1")
        store.append("agent.exited", effort="e", attempt=1, data={"exit_code": 0}, key="exit:e:1")
        store.append("check.result", effort="e", attempt=1, data={}, key="check:e:1:0")
        store.append("effort.merged", effort="e", attempt=1, data={}, key="merged:e:1")
        store.append("agent.stop_requested", effort="e", attempt=1, key="stop:e:1")
        store.append("conflict.drift", effort="e", attempt=1, key="drift:e:1")
    assert len(store.events()) == 7


@pytest.mark.parametrize("key", ["", "   "])
def test_a_blank_key_is_refused(store: Store, key: str) -> None:
    with pytest.raises(UsageError, match="key must not be empty"):
        store.append("report", effort="e", data={"progress": 10}, key=key)
    with pytest.raises(UsageError, match="key must not be empty"):
        store.transition("e", "running", key=key)
    with pytest.raises(UsageError, match="key must not be empty"):
        store.append_many([{"kind": "a"}, {"kind": "b", "key": key}])
    assert store.events() == []


def test_append_many_is_one_transaction(store: Store) -> None:
    out = store.append_many(
        [{"kind": "a", "key": "1"}, {"kind": "b", "key": "1"}, {"kind": "c", "effort": "e"}]
    )
    assert out[1] is None and out[0] is not None and out[2] is not None
    with pytest.raises(StateError):
        store.append_many(
            [{"kind": "x"}, {"kind": "report", "effort": "e", "attempt": 7, "data": {}}]
        )
    assert [e.kind for e in store.events()] == ["a", "c"]


def test_transition_checks_rules_and_counts_attempts(store: Store) -> None:
    store.transition("e", "ready")
    ev = store.transition("e", "running", reason="dispatched")
    assert ev.attempt == 1 and ev.data["from"] == "ready" and ev.data["to"] == "running"
    v = store.effort("e")
    assert (v.state, v.attempt, v.reason) == ("running", 1, "dispatched")
    assert v.started_at is not None and v.finished_at is None
    with pytest.raises(StateError, match="cannot go from running to ready"):
        store.transition("e", "ready")
    store.transition("e", "failed", attempt=1)
    assert store.effort("e").finished_at is not None
    store.transition("e", "running")
    assert store.effort("e").attempt == 2


def test_stale_attempt_is_refused(store: Store) -> None:
    store.transition("e", "running")
    store.transition("e", "failed")
    store.transition("e", "running")
    with pytest.raises(StateError, match="stale"):
        store.transition("e", "checking", attempt=1)
    with pytest.raises(StateError, match="attempt 1 refused"):
        store.append("report", effort="e", attempt=1, data={"progress": 50})
    assert store.effort("e").progress == 0
    assert store.append("report", effort="e", attempt=2, data={"progress": 50}) is not None
    assert store.effort("e").progress == 50


def test_transition_key_is_idempotent(store: Store) -> None:
    a = store.transition("e", "running", key="t1")
    b = store.transition("e", "running", key="t1")
    assert a == b
    assert store.effort("e").attempt == 1


def test_agent_and_merge_facts(store: Store) -> None:
    store.transition("e", "running")
    store.append("agent.spawned", effort="e", attempt=1, data={"pid": 4242, "pid_start": 12.5})
    assert (store.effort("e").pid, store.effort("e").pid_start) == (4242, 12.5)
    store.append("agent.exited", effort="e", attempt=1, data={"exit_code": 0, "duration": 3})
    assert store.effort("e").pid is None and store.effort("e").exit_code == 0
    store.transition("e", "checking")
    store.transition("e", "done")
    store.append("effort.merged", effort="e", data={"commit": "abc", "into": "integration"})
    assert store.effort("e").merged and store.effort("e").merged_commit == "abc"
    store.append("effort.unmerged", effort="e", data={"revert_commit": "def", "reason": "x"})
    store.transition("e", "rework", reason="rolled back")
    v = store.effort("e")
    assert not v.merged and v.state == "rework"


def test_reports_project_tasks_progress_cost_notes(store: Store) -> None:
    store.append(
        "report",
        effort="e",
        data={
            "tasks_done": ["a"],
            "deliverables_total": 4,
            "cost": 1.5,
            "tokens": 100,
            "note": "interface in pkg/x",
        },
    )
    store.append(
        "report",
        effort="e",
        data={"tasks_done": ["a", "b"], "deliverables_total": 4, "cost": 0.5, "tokens": 20},
    )
    v = store.effort("e")
    assert v.tasks_done == ["a", "b"] and v.progress == 50
    assert (v.cost, v.tokens, v.reports) == (2.0, 120, 2)
    store.append("report", effort="e", data={"progress": 80})
    assert store.effort("e").progress == 80
    assert store.notes("e") == ["interface in pkg/x"]


def test_blockers_acks_and_resolution(store: Store, clock: FakeClock) -> None:
    store.append(
        "report", effort="e", data={"blockers": [{"text": "no creds", "severity": "high"}]}
    )
    store.append("blocker.opened", effort="f", data={"text": "flaky CI", "severity": "low"})
    bs = store.blockers()
    assert [(b.id, b.effort, b.severity, b.open) for b in bs] == [
        ("B1", "e", "high", True),
        ("B2", "f", "low", True),
    ]
    assert store.effort("e").blockers_open == 1
    clock.advance(60)
    store.append("blocker.ack", data={"id": "B1", "by": "lead"})
    store.append("blocker.ack", data={"id": "R1", "by": "lead"})
    store.append("blocker.resolved", data={"id": "B1", "by": "lead"})
    b1 = store.blockers()[0]
    assert (b1.acked_by, b1.acked_at, b1.open) == ("lead", clock.now, False)
    assert store.effort("e").blockers_open == 0
    assert set(store.acks()) == {"B1", "R1"}


def test_metrics_checks_approvals_conflicts(store: Store, clock: FakeClock) -> None:
    store.append("report", effort="e", data={"metrics": {"cov": 60}})
    clock.advance(1)
    store.append(
        "check.result",
        phase="p",
        data={
            "scope": "gate",
            "name": "cov",
            "exit_code": 0,
            "metric": "cov",
            "value": 82.5,
            "passed": True,
        },
    )
    store.append(
        "check.result",
        effort="e",
        data={"scope": "effort", "name": "t", "exit_code": 1, "passed": False},
    )
    mv = store.metric_values()
    assert [v for _, v, _ in mv["cov"]] == [60, 82.5]
    summ = store.metric_summary()["cov"]
    assert (summ.count, summ.first, summ.latest) == (2, 60, 82.5)
    assert len(store.check_results()) == 2
    assert [e.data["name"] for e in store.check_results("effort")] == ["t"]
    store.append("approval", effort="e", data={"role": "kernel-lead", "by": "ann"})
    assert store.approvals() == {"e": {"kernel-lead"}}
    store.append(
        "conflict.finding",
        data={"a": "e", "b": "f", "files": ["x.go"], "kinds": ["predicted"], "source": "plan"},
    )
    assert store.conflict_findings()[0].data["files"] == ["x.go"]


def test_phase_projection_and_gate_events(store: Store) -> None:
    store.phase_transition("p", "open")
    store.phase_transition("p", "gating")
    store.append("gate.evaluated", phase="p", data={"passed": False, "reasons": ["coverage 60"]})
    store.phase_transition("p", "failed", reason="coverage")
    with pytest.raises(StateError, match="needs a reason"):
        store.phase_transition("p", "overridden")
    store.phase_transition("p", "overridden", reason="accepted by lead")
    ph = store.phases()["p"]
    assert (ph.state, ph.reason, ph.gate_passed, ph.gate_reasons) == (
        "overridden",
        "accepted by lead",
        False,
        ["coverage 60"],
    )


def test_gate_firsts_keep_the_first_gate_value_of_each_metric(store: Store) -> None:
    def check(scope: str, metric: str, value: object, effort: str | None = None) -> None:
        data = {"scope": scope, "name": metric, "metric": metric, "value": value}
        store.append("check.result", effort=effort, phase=None if effort else "p", data=data)

    # Effort checks and reports are no gate's; a gate check that measured nothing sets none.
    check("effort", "cov", 10.0, effort="e")
    store.append("report", effort="e", data={"metrics": {"cov": 20, "lat": 1}})
    check("gate", "cov", None)
    check("gate", "cov", 70.0)
    check("gate", "cov", 80.0)
    check("gate", "lat", 5)
    check("phase-entry", "size", 3.0)
    assert store.gate_firsts() == {"cov": 70.0, "lat": 5.0}
    store.rebuild()
    assert store.gate_firsts() == {"cov": 70.0, "lat": 5.0}


def test_rebuild_reproduces_projections(store: Store, clock: FakeClock) -> None:
    store.transition("e", "running")
    store.append(
        "report",
        effort="e",
        attempt=1,
        data={
            "tasks_done": ["a"],
            "deliverables_total": 2,
            "metrics": {"m": 3},
            "blockers": [{"text": "b", "severity": "critical"}],
            "note": "n",
            "cost": 2,
        },
    )
    store.append("blocker.ack", data={"id": "B1", "by": "x"})
    store.append("approval", effort="e", data={"role": "r", "by": "y"})
    store.phase_transition("p", "open")
    before = (
        store.efforts(),
        store.phases(),
        store.blockers(),
        store.metric_values(),
        store.approvals(),
        store.notes("e"),
        store.acks(),
    )
    store.rebuild()
    after = (
        store.efforts(),
        store.phases(),
        store.blockers(),
        store.metric_values(),
        store.approvals(),
        store.notes("e"),
        store.acks(),
    )
    assert before == after


def test_consistent_reads_see_one_moment(store: Store, writer: Store) -> None:
    store.append("report", effort="e", data={"progress": 10})
    with store.consistent():
        first = store.effort("e").progress
        # Another process writes in the middle of the reads: they do not see it.
        writer.append("report", effort="e", data={"progress": 60})
        writer.transition("f", "running")
        assert store.effort("e").progress == first == 10
        assert [ev.effort for ev in store.events()] == ["e"]
        assert "f" not in store.efforts()
        with store.consistent():  # nesting is harmless, and still the same moment
            assert store.effort("e").progress == first
    # Outside, the next read sees what was written meanwhile.
    assert store.effort("e").progress == 60
    assert store.efforts()["f"].state == "running"


def test_report_totals_stay_finite_and_within_64_bits(store: Store) -> None:
    big = 2**63 - 1
    assert store.append("report", effort="e", data={"cost": 1e308, "tokens": big - 1})
    with pytest.raises(InputError, match="cost: 1e\\+308 would bring the recorded total"):
        store.append("report", effort="e", data={"cost": 1e308})
    with pytest.raises(InputError, match="all efforts"):
        store.append("report", effort="f", data={"cost": 1e308})
    with pytest.raises(InputError, match="tokens: 2 would bring the recorded total"):
        store.append("report", effort="e", data={"tokens": 2})
    with pytest.raises(InputError, match="tokens: 2 would"):
        store.append("report", effort="f", data={"tokens": 2})
    assert store.append("report", effort="e", data={"tokens": 1, "cost": 1.0})
    assert (store.effort("e").cost, store.effort("e").tokens) == (1e308, big)
    assert len(store.events()) == 2


def test_text_that_is_not_unicode_stores_nothing(store: Store) -> None:
    store.transition("e", "running")
    with pytest.raises(InputError, match="not valid Unicode"):
        store.append("report", effort="e", data={"note": "\ud800"})
    with pytest.raises(InputError, match="not valid Unicode"):
        store.transition("e", "blocked", reason="\udcff")
    with pytest.raises(InputError, match="not valid Unicode"):
        store.append_many([{"kind": "a"}, {"kind": "b", "key": "\udcff"}])
    assert len(store.events()) == 1 and store.notes("e") == []
    assert store.effort("e").state == "running"
    assert store.append("report", effort="e", data={"note": "still writable"})


def test_a_nul_character_is_refused_alike_on_every_backend(store: Store) -> None:
    """PostgreSQL text cannot hold it; a store that took it could not be copied there."""
    for send in (
        lambda: store.append("report", effort="e", data={"note": "a\x00b"}),
        lambda: store.append("report", effort="e\x00", data={}),
        lambda: store.append("custom", key="k\x00"),
        lambda: store.append("report", effort="e", data={"blockers": [{"text": "\x00"}]}),
        lambda: store.transition("e", "running", reason="\x00"),
    ):
        with pytest.raises(InputError, match="NUL character"):
            send()
    assert store.events() == []
    assert store.append("report", effort="e", data={"note": "a\\x00 is fine as text"})


def test_rework_starts_progress_and_deliverables_again(store: Store) -> None:
    store.transition("e", "running")
    store.append(
        "report",
        effort="e",
        attempt=1,
        data={"tasks_done": ["a", "b"], "deliverables_total": 2, "cost": 1.5, "tokens": 10},
    )
    store.transition("e", "done")
    store.append("effort.unmerged", effort="e", data={"reason": "rolled back"})
    store.transition("e", "rework", reason="rolled back")
    v = store.effort("e")
    assert (v.state, v.progress, v.tasks_done) == ("rework", 0, [])
    assert (v.cost, v.tokens, v.reports) == (1.5, 10, 1)  # spent is spent
    store.append("report", effort="e", data={"tasks_done": ["b"], "deliverables_total": 2})
    assert (store.effort("e").progress, store.effort("e").tasks_done) == (50, ["b"])
    before = store.efforts()
    store.rebuild()
    assert store.efforts() == before


def _reopen(store: Store, tmp: Path) -> Store:
    return open_store(store.location, state_dir=tmp / ".phasegate")


def test_location_opens_the_same_store(store: Store, tmp_path: Path) -> None:
    ev = store.append("report", effort="e", data={"progress": 30}, key="k1")
    with _reopen(store, tmp_path) as again:
        assert again.events() == [ev]
        assert again.effort("e").progress == 30


def test_one_run_lock_at_a_time_naming_the_holder(store: Store, tmp_path: Path) -> None:
    with _reopen(store, tmp_path) as other:
        with store.run_lock():
            with pytest.raises(UsageError) as refused, other.run_lock():
                pass
            msg = str(refused.value)
            assert f"another 'phasegate run' (pid {os.getpid()}) on {socket.gethostname()}" in msg
        with other.run_lock():  # released when its holder let go
            pass


def test_wait_for_events_wakes_on_another_writer(store: Store, tmp_path: Path) -> None:
    seen = store.last_seq()
    assert store.wait_for_events(seen, 0.05) is False
    with _reopen(store, tmp_path) as writer:
        t = threading.Timer(0.2, lambda: writer.append("custom", key="late"))
        t.start()
        try:
            # Returns once the event is there, long before the timeout.
            assert store.wait_for_events(seen, 60) is True
        finally:
            t.join()
    assert store.last_seq() > seen
    assert store.wait_for_events(seen, 0) is True


def test_load_events_reproduces_history_into_an_empty_store_only(
    store: Store, tmp_path: Path, clock: FakeClock
) -> None:
    from phasegate.store.sqlite import SqliteStore

    with SqliteStore(tmp_path / "source.db", clock=clock) as src:
        src.transition("e", "running")
        src.append("custom", key="gap")
        src.append("report", effort="e", attempt=1, key="r1",
                   data={"tasks_done": ["a"], "deliverables_total": 2, "cost": 1.25,
                         "metrics": {"m": 4}, "blockers": [{"text": "x", "severity": "high"}]})  # fmt: skip
        src.phase_transition("p", "open")
        history = src.events()
        views = (src.efforts(), src.phases(), src.blockers(), src.metric_summary())
    store.load_events(history)
    assert store.events() == history
    assert (store.efforts(), store.phases(), store.blockers(), store.metric_summary()) == views
    # New events continue after the copied ones, and keys keep their scopes.
    nxt = store.append("custom", key="after")
    assert nxt is not None and nxt.seq > history[-1].seq
    assert store.append("report", effort="e", attempt=1, key="r1", data={}) is None
    with pytest.raises(UsageError, match="already holds"):
        store.load_events(history)
