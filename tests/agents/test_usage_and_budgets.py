"""Pure parts: the plan's agents and budget keys, limits, usage parsing, and cost tables that
add up exactly."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.agents import adapter
from phasegate.agents.aider import count
from phasegate.agents.base import Context
from phasegate.errors import PlanInvalid, UsageError
from phasegate.plan.load import load_text
from phasegate.plan.model import Agents, Effort, Plan
from phasegate.service import budget, costs
from phasegate.store.types import EffortView, Event

PLAN = """\
version: 1
project: demo
budget: {usd: 10, per_unit: 0.5, on_exceed: pause}
phases:
  - id: p1
    budget: {usd: 4, on_exceed: stop, severity: critical}
  - id: p2
    budget: {per_unit: 0.25}
efforts:
  - {id: a, phase: p1, size: 2}
  - {id: b, phase: p1, size: 3, budget: 1.5}
  - {id: c, phase: p2, size: 4}
"""


def load(text: str) -> Plan:
    return load_text(textwrap.dedent(text), "plan.yaml").plan


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        load_text(textwrap.dedent(text), "plan.yaml")
    return [d.render() for d in info.value.diagnostics if d.severity == "error"]


def test_limits_resolve_scopes_and_envelopes() -> None:
    lims = {lim.scope: lim for lim in budget.limits(load(PLAN))}
    assert set(lims) == {"plan", "phase:p1", "effort:a", "effort:b", "effort:c"}
    assert lims["plan"].efforts == ("a", "b", "c") and lims["plan"].usd == 10
    assert lims["phase:p1"].efforts == ("a", "b") and lims["phase:p1"].severity == "critical"
    assert lims["effort:a"].usd == 1.0 and lims["effort:a"].on_exceed == "pause"  # plan's 0.5/unit
    assert lims["effort:b"].usd == 1.5 and lims["effort:b"].on_exceed == "warn"  # its own
    assert lims["effort:c"].usd == 1.0  # the phase's envelope wins over the plan's


def test_budget_and_agents_keys_are_checked_with_positions() -> None:
    bad = PLAN.replace("budget: 1.5", "budget: {on_exceed: pause}")
    (err,) = errors_of(bad)
    assert "plan.yaml:" in err and "give usd (a total) or per_unit" in err
    (err,) = errors_of(PLAN.replace("on_exceed: stop", "on_exceed: panic"))
    assert "phases[0].budget.on_exceed" in err
    (err,) = errors_of(PLAN + "agents: {kind: cursor}\n")
    assert "agents.kind" in err
    (err,) = errors_of(PLAN + "agents: {prices: {m: {input: -1, output: 1}}}\n")
    assert "agents.prices.m.input" in err


def test_standings_hold_pause_and_stop_scopes_only() -> None:
    lims = budget.limits(load(PLAN))
    spent = {"a": 0.8, "b": 1.6, "c": 1.2}
    stands = budget.standings(lims, spent, {})
    over = {s.limit.scope for s in stands if s.exceeded}
    assert over == {"effort:b", "effort:c"}
    # b is over a warn budget: it goes on; c is over the phase's envelope (warn, as p2 says).
    assert budget.held(stands) == {}
    stands = budget.standings(lims, {"a": 2.5, "b": 1.6}, {})
    held = budget.held(stands)
    assert set(held) == {"a", "b"} and held["a"].startswith("stopped: budget of phase p1")
    # Exactly at the limit is within it; a raise lifts the limit.
    assert budget.held(budget.standings(lims, {"a": 1.0, "b": 1.5}, {})) == {}
    assert set(budget.held(budget.standings(lims, {"a": 1.5}, {}))) == {"a"}
    assert budget.held(budget.standings(lims, {"a": 1.5}, {"effort:a": 0.5})) == {}


def test_a_raise_needs_a_budget_an_amount_and_a_reason() -> None:
    lims = budget.limits(load(PLAN))
    with pytest.raises(UsageError, match="positive amount"):
        budget.raise_budget(None, lims, "plan", 0, "why", "me")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="say why"):
        budget.raise_budget(None, lims, "plan", 5, " ", "me")  # type: ignore[arg-type]
    with pytest.raises(Exception, match="phase p2 has no budget to raise"):
        budget.raise_budget(None, lims, "phase:p2", 5, "why", "me")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="not both"):
        budget.scope_of(["p1"], ["a"], "a", "p1")


@pytest.mark.parametrize(
    ("text", "n"), [("42", 42), ("1,234", 1234), ("2.3k", 2300), ("12k", 12000), ("x", 0)]
)
def test_aider_counts(text: str, n: int) -> None:
    assert count(text) == n


def ctx(tmp_path: Path, **agents: object) -> Context:
    brief = tmp_path / "brief.md"
    brief.write_text("# Effort a\n")
    return Context(Agents.model_validate(agents), Effort(id="a"), 1, brief, {}, tmp_path)


def test_usage_without_a_price_has_no_cost_and_says_so(tmp_path: Path) -> None:
    log = '{"type":"turn.completed","usage":{"input_tokens":10,"output_tokens":5}}\n'
    c = ctx(tmp_path, kind="codex", model="m")
    u = adapter("codex").usage(log, c)
    assert u is not None
    data = u.priced(c.agents).event_data()
    assert data["cost"] == 0.0 and data["priced"] is False and data["tokens"] == 15
    priced = u.priced(ctx(tmp_path, model="m", prices={"m": {"input": 2, "output": 4}}).agents)
    assert priced.cost == (10 * 2 + 5 * 4) / 1e6 and priced.estimated


def test_claude_budget_flag_and_long_briefs(tmp_path: Path) -> None:
    c = ctx(tmp_path, kind="claude")
    inv = adapter("claude").invocation(
        Context(c.agents, c.effort, 2, c.brief, {"PHASEGATE_EFFORT": "a"}, tmp_path, 0.25)
    )
    assert inv.argv[inv.argv.index("--max-budget-usd") + 1] == "0.2500"
    c.brief.write_text("x" * 200_000)
    inv = adapter("claude").invocation(c)
    assert inv.argv[2] == f"Your brief is in {c.brief}: read it first and do the work it describes."


def usage_event(seq: int, effort: str, cost: float, ts: float) -> Event:
    return Event(seq, ts, "agent.usage", effort, None, seq, f"u{seq}",
                 {"cost": cost, "tokens": 1, "kind": "claude", "model": "m"})  # fmt: skip


money = st.floats(min_value=0, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), money, money), min_size=0, max_size=12),
    st.sampled_from(costs.BY),
)
def test_every_cost_table_adds_up_to_the_total_exactly(
    spends: list[tuple[str, float, float]], by: str
) -> None:
    """Usage per attempt plus what reports claimed, however the rows are grouped."""
    totals: dict[str, float] = {}
    usage: list[Event] = []
    reports: list[Event] = []
    for i, (effort, used, reported) in enumerate(spends, 1):
        # The projection adds them in log order, as SQLite does.
        totals[effort] = totals.get(effort, 0.0) + used
        totals[effort] += reported
        usage.append(usage_event(2 * i, effort, used, 86400.0 * i))
        reports.append(Event(2 * i + 1, 86400.0 * i, "report", effort, None, i, f"r{i}",
                             {"cost": reported}))  # fmt: skip
    views = {e: EffortView(e, cost=c) for e, c in totals.items()}
    order = [("a", "p1"), ("b", "p1"), ("c", None)]
    summary = costs.summarise(order, views, usage)
    rows = costs.table(summary, by, reports)
    assert sum(costs.micro(r["cost"]) for r in rows) == summary.total
    assert summary.total == sum(costs.micro(e["cost"]) for e in summary.efforts)
    for e in summary.efforts:
        parts = [costs.micro(a["cost"]) for a in e["attempts"]] + [costs.micro(e["reported"])]
        assert sum(parts) == costs.micro(e["cost"])


junk_json = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=60),
            junk_json.map(lambda v: json.dumps(v)),
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["result", "turn.completed", "thread.started"]),
                    "usage": junk_json,
                    "total_cost_usd": junk_json,
                    "num_turns": junk_json,
                    "thread_id": junk_json,
                    "modelUsage": junk_json,
                }
            ).map(lambda v: json.dumps(v)),
            st.builds(
                "Tokens: {} sent, {} received. Cost: ${} message, ${} session.".format,
                st.text("0123456789.,k", max_size=6),
                st.text("0123456789.,k", max_size=6),
                st.text("0123456789.,", max_size=6),
                st.text("0123456789.,", max_size=6),
            ),
        ),
        max_size=6,
    ),
    st.sampled_from(["claude", "codex", "aider"]),
)
def test_any_output_parses_to_sane_usage_or_none(lines: list[str], kind: str) -> None:
    """Whatever an agent prints, reading it never fails and never stores a bad number."""
    import math
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        c = ctx(Path(d), kind=kind, prices={"m": {"input": 1, "output": 2}})
        u = adapter(kind).usage("\n".join(lines), c)
        if u is None:
            return
        data = u.priced(c.agents).event_data()
    for k in ("tokens_in", "tokens_out", "tokens_cached", "tokens"):
        assert isinstance(data[k], int) and data[k] >= 0
    assert isinstance(data["cost"], float) and math.isfinite(data["cost"]) and data["cost"] >= 0


def test_only_pause_and_stop_budgets_cap_a_claude_attempt(tmp_path: Path) -> None:
    from phasegate.store import open_store

    plan = load(PLAN)
    with open_store(None, state_dir=tmp_path) as store:
        store.append("report", effort="b", data={"cost": 0.5})
        assert budget.left_for(plan, "a", store) == 1.0  # its envelope (pause), not p1's 4.0
        assert budget.left_for(plan, "b", store) == 3.5  # b's own budget only warns
        assert budget.left_for(plan, "c", store) == 9.5  # the plan's; its envelope only warns


def test_person_scripted_and_command_kinds(tmp_path: Path) -> None:
    import sys

    from phasegate.agents import KINDS

    assert set(KINDS) == {"claude", "codex", "aider", "person", "scripted", "command"}
    c = ctx(tmp_path, kind="person", flags=["--x"])
    assert adapter("person").invocation(c).argv == [
        sys.executable, "-m", "phasegate.agents.person", "--x"
    ]  # fmt: skip
    c = ctx(tmp_path, kind="scripted", flags=["--cost", "0.2"])
    assert adapter("scripted").invocation(c).argv[-3:] == ["phasegate.agents.scripted",
                                                         "--cost", "0.2"]  # fmt: skip
    plain = Context(c.agents, c.effort, 1, c.brief, {"A": "1"}, tmp_path, command="make it")
    inv = adapter("command").invocation(plain)
    assert inv.argv[:3] == ["/bin/sh", "-c", "make it"] and inv.env == {"A": "1"}
    for kind in ("person", "scripted", "command"):
        assert adapter(kind).usage("Tokens: 1 sent, 1 received. Cost: $1 message, $1 session.",
                                   plain) is None  # fmt: skip


def test_phasegate_budget_records_a_crossing_no_run_saw(tmp_path: Path) -> None:
    from support import run_phasegate

    (tmp_path / "phasegate.yaml").write_text(textwrap.dedent(PLAN))
    assert run_phasegate("report", "b", "--cost", "2", cwd=tmp_path).code == 0
    first = run_phasegate("budget", "--json", cwd=tmp_path)
    assert first.code == 0, first.err
    rows = {r["scope"]: r for r in json.loads(first.out)["limits"]}
    assert rows["effort:b"]["exceeded"] and rows["effort:b"]["crossed_at"] is not None
    again = json.loads(run_phasegate("budget", "--json", cwd=tmp_path).out)
    assert {r["scope"]: r for r in again["limits"]}["effort:b"]["crossed_at"] == rows["effort:b"][
        "crossed_at"
    ]
