"""Numbers, waves, ids and commands: what `check` accepts is exactly what every command reads."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.errors import PlanInvalid
from phasegate.plan.expr import parse_duration, parse_threshold
from phasegate.plan.load import load_text

PLAN = """\
version: 1
project: demo
phases:
  - id: p1
efforts:
  - {id: a, phase: p1, deliverables: [x]}
  - {id: b, phase: p1, depends_on: [a], deliverables: [x]}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        load_text(textwrap.dedent(text), "plan.yaml")
    return [d.render() for d in info.value.diagnostics if d.severity == "error"]


def effort_a(extra: str) -> str:
    return PLAN.replace("{id: a, phase: p1,", "{id: a, phase: p1, " + extra + ",")


# -- bug 1: infinities and NaNs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (effort_a("size: .inf"), "efforts[0].size"),
        (effort_a("size: .nan"), "efforts[0].size"),
        (effort_a("size: -.inf"), "efforts[0].size"),
        (effort_a("size: 1e999"), "efforts[0].size"),
        (effort_a("size: " + "9" * 400), "efforts[0].size"),
        (effort_a("estimate: {low: 1, high: .inf}"), "efforts[0].estimate.high"),
        (effort_a("estimate: {low: 1, likely: .nan, high: 3}"), "efforts[0].estimate.likely"),
        (PLAN + "rate: .inf\n", "rate"),
        (PLAN + "external: [{id: x, available: .inf}]\n", "external[0].available"),
        (PLAN + "metrics: [{id: m, baseline: .nan}]\n", "metrics[0].baseline"),
        (PLAN + "metrics: [{id: m, target: .inf}]\n", "metrics[0].target"),
        (PLAN + "metrics: [{id: m, target: '> 1e999'}]\n", "metrics[0].target"),
        (PLAN + "metrics: [{id: m, tolerance: .nan}]\n", "metrics[0].tolerance"),
        (
            PLAN.replace("  - id: p1\n", "  - id: p1\n    gate: {require: {deliverables: .nan}}\n"),
            "phases[0].gate.require.deliverables",
        ),
        (PLAN + "agents: {timeout: .inf}\n", "agents.timeout"),
        (PLAN + "agents: {backoff: 1e999}\n", "agents.backoff"),
        (PLAN + "agents: {grace: '" + "9" * 400 + "h'}\n", "agents.grace"),
        (PLAN + "escalation: {high: {within: .inf}}\n", "escalation.high.within"),
    ],
)
def test_non_finite_numbers_are_refused_where_they_are(text: str, where: str) -> None:
    errs = errors_of(text)
    assert any(f"(at {where})" in e for e in errs), errs
    assert all(e.startswith("plan.yaml:") for e in errs)


def test_sizes_too_large_to_add_up_are_refused() -> None:
    errs = errors_of(effort_a("size: 1.5e308"))
    assert any("efforts[0].size" in e and "less than or equal to" in e for e in errs), errs
    load_text(effort_a("size: 1e9"), "plan.yaml")


def test_infinite_size_no_longer_reaches_the_commands(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "p.yaml"
    plan.write_text(effort_a("size: .inf"))
    for args in (["check"], ["path", "--json"], ["graph", "--format", "json"]):
        r = cli(*args, "-f", str(plan))
        assert r.code not in (0, 3), (args, r.out, r.err)
        assert "Infinity" not in r.out and "Traceback" not in r.err
        assert f"{plan}:6:" in r.err
    r = cli("schedule", "--agents", "2", "-f", str(plan))
    assert r.code not in (0, 3) and "internal error" not in r.err


# -- bug 2: one reading of sizes for every command ---------------------------------------


def test_exponent_sizes_count_the_same_in_check_path_and_graph(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = effort_a("size: 1e3").replace("depends_on: [a],", "depends_on: [a], size: 2.5e2,")
    loaded = load_text(text, "plan.yaml")
    assert [e.size for e in loaded.plan.efforts] == [1000.0, 250.0]
    assert loaded.graph.weights[:2] == [1000.0, 250.0]
    plan = tmp_path / "p.yaml"
    plan.write_text(text)
    assert "critical path 1250 points" in cli("check", "-f", str(plan)).out
    assert json.loads(cli("path", "--json", "-f", str(plan)).out)["length"] == 1250
    nodes = json.loads(cli("graph", "--format", "json", "-f", str(plan)).out)["nodes"]
    assert [n["size"] for n in nodes] == [1000.0, 250.0]
    doc = json.loads(cli("schedule", "--agents", "1", "--json", "-f", str(plan)).out)
    assert doc["makespan"] == 1250


@pytest.mark.parametrize("value", ["'5'", '"5"', "lots", "'1/2'", "true"])
def test_sizes_that_are_not_numbers_are_refused(value: str) -> None:
    errs = errors_of(effort_a(f"size: {value}"))
    assert any("(at efforts[0].size)" in e and "number" in e for e in errs), errs


def test_a_quoted_number_is_told_to_lose_its_quotes() -> None:
    errs = errors_of(effort_a("size: '5'"))
    assert any("write it without quotes" in e and e.startswith("plan.yaml:6:") for e in errs)


def test_exponent_numbers_elsewhere() -> None:
    text = (
        effort_a("estimate: {low: 1e2, high: 3e2}")
        + "rate: 7e2\nexternal: [{id: x, available: 1e1}]\n"
        + "metrics: [{id: m, target: '>= 1e3', baseline: 2e3}]\n"
        + "agents: {timeout: 1e3}\n"
    )
    plan = load_text(text, "plan.yaml").plan
    assert plan.efforts[0].estimate is not None and plan.efforts[0].estimate.high == 300
    assert plan.rate == 700 and plan.external[0].available == 10
    assert plan.metrics[0].baseline == 2000
    assert parse_threshold(">= 1e3").value == 1000
    assert parse_duration("1e3") == 1000


sizes = st.one_of(
    st.integers(0, 10**6),
    st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 2)),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(0, 99), st.integers(-2, 4)),
    st.sampled_from(["'7'", "x", "true", ".inf", ".nan", "-1", "1e400", "0x10", "1_000"]),
)


@given(st.lists(sizes, min_size=1, max_size=5))
@settings(max_examples=150, deadline=None)
def test_validation_graph_and_model_read_the_same_sizes(values: list[object]) -> None:
    lines = ["project: x", "efforts:"]
    for k, v in enumerate(values):
        dep = f", depends_on: [e{k - 1}]" if k else ""
        lines.append(f"  - {{id: e{k}, size: {v}, deliverables: [x]{dep}}}")
    try:
        loaded = load_text("\n".join(lines) + "\n", "fuzz.yaml")
    except PlanInvalid as e:
        assert all("size" in d.path for d in e.diagnostics if d.severity == "error")
        return
    assert loaded.graph.weights[: len(values)] == [e.size for e in loaded.plan.efforts]


# -- bug 4: a duplicate phase is one error -------------------------------------------------


def test_duplicate_phase_is_reported_once_without_a_cycle() -> None:
    errs = errors_of("project: x\nphases: [{id: p1}, {id: p1}]\n")
    assert errs == ["plan.yaml:2:25: error: duplicate phase id 'p1' (at phases[1].id)"]


def test_duplicate_phase_among_others() -> None:
    errs = errors_of(
        "project: x\nphases: [{id: p1}, {id: p2}, {id: p1}]\n"
        "efforts: [{id: a, phase: p2, deliverables: [x]}]\n"
    )
    assert len(errs) == 1 and "duplicate phase id 'p1'" in errs[0]


# -- bug 5: a wave label must be a number --------------------------------------------------


@pytest.mark.parametrize("value", ["'1'", "true", "1.5", "0"])
def test_wave_label_that_is_not_a_whole_number(value: str) -> None:
    text = PLAN.replace("{id: a, phase: p1,", f"{{id: a, phase: p1, wave: {value},").replace(
        "{id: b, phase: p1,", "{id: b, phase: p1, wave: 2,"
    )
    errs = errors_of(text)
    assert len(errs) == 1, errs
    assert "(at efforts[0].wave)" in errs[0] and "wave label" in errs[0]
    assert "no wave label" not in errs[0]


def test_quoted_wave_label_says_it_must_be_a_number() -> None:
    text = PLAN.replace("{id: a, phase: p1,", "{id: a, phase: p1, wave: 1,").replace(
        "{id: b, phase: p1,", "{id: b, phase: p1, wave: '2',"
    )
    assert errors_of(text) == [
        "plan.yaml:7:30: error: wave label must be a number, as in 'wave: 2', not the text "
        "'2' (at efforts[1].wave)"
    ]


def test_whole_float_wave_labels_count_as_labels() -> None:
    text = PLAN.replace("{id: a, phase: p1,", "{id: a, phase: p1, wave: 1.0,").replace(
        "{id: b, phase: p1,", "{id: b, phase: p1, wave: 2,"
    )
    loaded = load_text(text, "plan.yaml")
    assert [n.wave for n in loaded.graph.nodes] == [1, 2]


# -- bug 6: ids YAML reads as integers spelled otherwise -----------------------------------


@pytest.mark.parametrize(
    ("spelled", "number"), [("0x1F", 31), ("017", 15), ("1_000", 1000), ("1:30", 90), ("+5", 5)]
)
def test_ids_that_yaml_reads_as_other_numbers_must_be_quoted(spelled: str, number: int) -> None:
    errs = errors_of(f"project: x\nefforts:\n  - {{id: {spelled}, deliverables: [x]}}\n")
    want = f"id {spelled} reads as the number {number}; quote it, as in '{spelled}'"
    assert any(want in e and "(at efforts[0].id)" in e and ":3:10:" in e for e in errs), errs


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "project: x\nefforts:\n  - {id: '017', deliverables: [x]}\n"
            "  - {id: b, depends_on: [017], deliverables: [x]}\n",
            "efforts[1].depends_on[0]",
        ),
        ("project: x\nexternal: [{id: 0b11}]\n", "external[0].id"),
        ("project: x\nphases: [{id: 010}]\n", "phases[0].id"),
        ("project: x\nphases: [{id: a}, {id: b, after: [0x0A]}]\n", "phases[1].after[0]"),
        ("project: x\nmetrics: [{id: 0x10}]\n", "metrics[0].id"),
        ("project: x\nrisks: [{id: 1_0, title: t}]\n", "risks[0].id"),
    ],
)
def test_respelled_numbers_in_every_id_position(text: str, where: str) -> None:
    errs = errors_of(text)
    assert any("quote it" in e and f"(at {where})" in e for e in errs), errs


def test_a_respelled_dependency_is_one_error_about_quoting() -> None:
    errs = errors_of(
        "project: x\nefforts:\n  - {id: '0x1F', deliverables: [x]}\n"
        "  - {id: b, depends_on: [0x1F], deliverables: [x]}\n"
    )
    assert errs == [
        "plan.yaml:4:26: error: id 0x1F reads as the number 31; quote it, as in '0x1F' "
        "(at efforts[1].depends_on[0])"
    ]


def test_float_ids_are_quoted_as_written() -> None:
    errs = errors_of("project: x\nefforts:\n  - {id: 8.10, deliverables: [x]}\n")
    assert errs == [
        "plan.yaml:3:10: error: id 8.10 reads as the number 8.1; quote it, as in '8.10' "
        "(at efforts[0].id)"
    ]


def test_plain_integer_ids_still_load() -> None:
    text = "project: x\nefforts:\n  - {id: 12, deliverables: [x]}\n"
    text += "  - {id: 13, depends_on: [12], deliverables: [x]}\n"
    plan = load_text(text, "plan.yaml").plan
    assert [e.id for e in plan.efforts] == ["12", "13"]
    assert plan.efforts[1].depends_on == ["12"]


# -- bug 3 (part): empty commands ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (PLAN + "agents: {command: ''}\n", "agents.command"),
        (PLAN + "agents: {command: []}\n", "agents.command"),
        (PLAN + "agents: {command: '   '}\n", "agents.command"),
        (PLAN + "agents: {command: ['', x]}\n", "agents.command"),
        (effort_a("command: ''"), "efforts[0].command"),
        (effort_a("command: []"), "efforts[0].command"),
        (effort_a("checks: [{run: ''}]"), "efforts[0].checks[0].run"),
        (PLAN + "escalation: {high: {within: 1h, notify: []}}\n", "escalation.high.notify"),
    ],
)
def test_empty_commands_are_refused(text: str, where: str) -> None:
    errs = errors_of(text)
    assert any(f"(at {where})" in e and "empty command" in e for e in errs), errs
