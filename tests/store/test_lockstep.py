"""The backends in lockstep: any sequence of writes gives SQLite and PostgreSQL the same
answers (events, refusals) and the same projections, and a rebuild reproduces them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pgserver
from phasegate.states import EFFORT_STATES, PHASE_RULES
from phasegate.store import Store, open_store
from store.clocks import FakeClock

EFFORTS = st.sampled_from(["e1", "e2", ""])
KEYS = st.none() | st.sampled_from(["k1", "k2"])
ATTEMPTS = st.none() | st.integers(0, 2)

reports = st.fixed_dictionaries(
    {},
    optional={
        "progress": st.floats(0, 100),
        "tasks_done": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
        "deliverables_total": st.integers(0, 4),
        "cost": st.floats(0, 5),
        "tokens": st.integers(0, 1000),
        "metrics": st.dictionaries(st.sampled_from(["cov", "lat"]), st.floats(0, 100), max_size=2),
        "blockers": st.lists(
            st.fixed_dictionaries(
                {"text": st.text(max_size=5), "severity": st.sampled_from(["low", "critical"])}
            ),
            max_size=2,
        ),
        "note": st.text(max_size=8),
    },
)
ops = st.one_of(
    st.tuples(st.just("report"), EFFORTS, ATTEMPTS, KEYS, reports),
    st.tuples(
        st.just("transition"), EFFORTS, st.sampled_from(sorted(EFFORT_STATES)), ATTEMPTS, KEYS
    ),
    st.tuples(
        st.just("phase"),
        st.sampled_from(["p1", "p2"]),
        st.sampled_from(sorted(PHASE_RULES)),
        st.text(max_size=4),
    ),
    st.tuples(
        st.just("blocker"),
        st.sampled_from(["blocker.ack", "blocker.resolved"]),
        st.sampled_from(["B1", "B2", "R1"]),
    ),
    st.tuples(st.just("approval"), EFFORTS, st.sampled_from(["lead", "qa"])),
    st.tuples(
        st.just("custom"), st.none() | EFFORTS, st.none() | st.sampled_from(["p1", "p2"]), KEYS
    ),
    st.tuples(
        st.just("many"),
        st.lists(st.tuples(EFFORTS, KEYS, st.sampled_from(["running", "done", "x"])), max_size=3),
    ),
)


def _do(s: Store, op: tuple[Any, ...]) -> Any:
    kind = op[0]
    if kind == "report":
        _, effort, attempt, key, data = op
        return s.append("report", effort=effort, attempt=attempt, key=key, data=data)
    if kind == "transition":
        _, effort, to, attempt, key = op
        return s.transition(effort, to, attempt=attempt, key=key, reason="r")
    if kind == "phase":
        _, phase, to, reason = op
        return s.phase_transition(phase, to, reason=reason)
    if kind == "blocker":
        _, what, item = op
        return s.append(what, data={"id": item, "by": "lead"})
    if kind == "approval":
        _, effort, role = op
        return s.append("approval", effort=effort, data={"role": role, "by": "ann"})
    if kind == "custom":
        _, effort, phase, key = op
        return s.append("custom", effort=effort, phase=phase, key=key)
    items = [
        {"effort": e, "to": to, "key": k}
        if to != "x"
        else {"kind": "custom", "effort": e, "key": k}
        for e, k, to in op[1]
    ]
    return s.commit_many(items)


def _outcome(s: Store, op: tuple[Any, ...]) -> Any:
    try:
        got = _do(s, op)
    except Exception as e:  # the refusal itself is part of the contract
        return (type(e).__name__, str(e))
    return _plain(got)


def _plain(got: Any) -> Any:
    if isinstance(got, list):
        return [_plain(g) for g in got]
    if isinstance(got, Exception):
        return (type(got).__name__, str(got))
    if got is None:
        return None
    # Keys the store made up are random: equal only when the sender chose them.
    j = got.to_json()
    return {k: v for k, v in j.items() if k != "key"}


def _picture(s: Store) -> Any:
    return (
        [e.to_json() | {"key": None} for e in s.events()],
        s.efforts(),
        s.phases(),
        s.blockers(),
        s.acks(),
        s.approvals(),
        s.metric_values(),
        s.metric_summary(),
        [s.notes(e) for e in ("e1", "e2", "")],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(ops, min_size=1, max_size=14))
def test_any_writes_read_the_same_on_both_backends(
    pg_server: pgserver.Server, tmp_path_factory: Any, sequence: list[tuple[Any, ...]]
) -> None:
    tmp = Path(tmp_path_factory.mktemp("lockstep"))
    clock = FakeClock()
    with (
        open_store(None, state_dir=tmp / ".phasegate", clock=clock) as lite,
        open_store(pg_server.fresh_url("lockstep"), state_dir=tmp, clock=clock) as pg,
    ):
        for op in sequence:
            clock.advance(1.5)
            assert _outcome(pg, op) == _outcome(lite, op), op
        assert _picture(pg) == _picture(lite)
        pg.rebuild()
        assert _picture(pg) == _picture(lite)
