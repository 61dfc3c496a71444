"""Task Master: both layouts, subtasks, statuses, complexity sizes, export and round trip."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.helpers import DATA, graph_of, imported_plan
from phasegate.exports import to_taskmaster
from phasegate.imports import read
from phasegate.imports.build import SourceError
from phasegate.plan.model import Plan
from phasegate.plan.refs import branch_problem
from support import CliResult

TAGGED = DATA / "tm" / ".taskmaster" / "tasks" / "tasks.json"
LEGACY = DATA / "legacy" / "tasks.json"


def test_tagged_layout_with_subtasks_statuses_and_report_sizes() -> None:
    imp = read(str(TAGGED))
    loaded = imported_plan(TAGGED)
    plan = loaded.plan
    g = graph_of(loaded)
    # done task 1 and done subtask 2.1 are waited for: external prerequisites
    assert {x.id: x.status for x in plan.external} == {"1": "done", "2.1": "done", "99": "done"}
    assert g["2.2"] == {"2.1"}  # local subtask reference
    assert g["2.3"] == {"2.2"}  # dotted subtask reference
    assert g["2"] == {"1", "2.1", "2.2", "2.3"}  # the parent rolls up its subtasks
    assert g["4"] == {"3", "2", "99"}  # string and number ids alike; 99 is undefined
    assert any("'99'" in w for w in imp.warnings)
    assert plan.units == "points"
    sizes = {e.id: e.size for e in plan.efforts}
    assert sizes["3"] == 7  # the task's own complexity wins over the report's 8
    assert sizes["4"] == 5  # from .taskmaster/reports/task-complexity-report.json
    assert sizes["2"] == 0
    assert imp.state == {"2": "running", "5": "cancelled"}
    assert plan.effort("3").priority == "critical"
    assert "Test strategy:" in plan.effort("3").notes


def test_other_tag(cli: Callable[..., CliResult]) -> None:
    r = cli("import", str(TAGGED), "--tag", "feature-billing")
    assert r.code == 0, r.err
    assert "Stripe customer sync" in r.out and "Database schema" not in r.out
    assert "units: tasks" in r.out  # the master report does not size another tag


def test_missing_tag_is_an_error(cli: Callable[..., CliResult]) -> None:
    r = cli("import", str(TAGGED), "--tag", "nope")
    assert r.code == 1
    assert "no tag 'nope'" in r.err and "master, feature-billing" in r.err


def test_legacy_layout_and_inherited_dependencies() -> None:
    loaded = imported_plan(LEGACY)
    plan = loaded.plan
    assert plan.project == "Legacy Todo App"
    assert plan.units == "tasks"
    g = graph_of(loaded)
    assert g["3.1"] == {"2"}  # no dependency of its own: waits for what its parent waits for
    assert g["3.2"] == {"3.1"}
    assert [x.id for x in plan.external] == ["1"]


def test_complexity_report_given_explicitly(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_text(json.dumps({"complexityAnalysis": [{"taskId": 2, "complexityScore": 9}]}))
    plan = imported_plan(LEGACY, complexity=str(report)).plan
    assert plan.units == "points"
    assert plan.effort("2").size == 9


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"master": {"tasks": [\n  {"id": 1,\n  "title": "x",,}\n]}}', 3, "not valid JSON"),
        ("[1, 2]", 1, "expected a JSON object"),
        ('{"other": 1}', 1, "no task list"),
        ('{"tasks": [{"title": "no id"}]}', 0, "no usable 'id'"),
        ('{"tasks": [{"id": 1, "dependencies": 5}]}', 1, "must be a list"),
        ('{"tasks": [{"id": 1, "dependencies": [2]}, {"id": 2, "dependencies": [1]}]}', 1, "cycle"),
        ('{"tasks": [{"id": 1, "title": NaN}]}', 0, "not a JSON number"),
    ],
)
def test_malformed_files_fail_with_a_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    p = tmp_path / "tasks.json"
    p.write_text(text)
    with pytest.raises(SourceError) as e:
        read(str(p), "taskmaster")
    assert words in e.value.message
    assert e.value.line == line


def test_export_command_writes_the_tagged_layout(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(
        "version: 1\nproject: demo\nunits: lines\n"
        "external: [{id: base, title: Base, status: done}]\n"
        "efforts:\n  - {id: a, title: A, size: 5, depends_on: [base], priority: high}\n"
        "  - {id: b, title: B, depends_on: [a], deliverables: [docs]}\n"
    )
    out = tmp_path / ".taskmaster" / "tasks" / "tasks.json"
    r = cli("export", "--to", "taskmaster", "-f", str(plan), "-o", str(out))
    assert r.code == 0, r.err
    data = json.loads(out.read_text())
    tasks = data["master"]["tasks"]
    assert [t["title"] for t in tasks] == ["Base", "A", "B"]
    assert tasks[0]["status"] == "done"
    assert tasks[2]["dependencies"] == [tasks[1]["id"]]
    assert tasks[1]["priority"] == "high"
    back = imported_plan(out).plan
    assert [e.id for e in back.efforts] == ["a", "b"]
    assert back.units == "lines" and back.effort("a").size == 5


def test_export_rejects_an_unknown_target(cli: Callable[..., CliResult]) -> None:
    r = cli("export", "--to", "jira", "-f", "nowhere.yaml")
    assert r.code == 2 and "unknown export format" in r.err


# -- round trip -----------------------------------------------------------------------

# Ids a plan accepts: each one names a git branch, so git's rules (no trailing ".", no "..")
# apply too.
_ids = st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,6}", fullmatch=True).filter(
    lambda i: branch_problem(f"phasegate/{i}") is None
)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    ids = draw(st.lists(_ids, min_size=1, max_size=12, unique=True))
    n_ext = draw(st.integers(0, min(3, len(ids) - 1)))
    externals = [{"id": i, "title": f"ext {i}"} for i in ids[:n_ext]]
    efforts: list[dict[str, Any]] = []
    for k, eid in enumerate(ids[n_ext:]):
        earlier = ids[: n_ext + k]
        deps = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=4)) if earlier else []
        efforts.append(
            {
                "id": eid,
                "title": draw(st.text(min_size=0, max_size=12)),
                "size": draw(st.integers(0, 2000)),
                "depends_on": deps,
                "priority": draw(st.sampled_from(["critical", "high", "medium", "low"])),
            }
        )
    return Plan.model_validate(
        {"version": 1, "project": "p", "units": "lines", "external": externals, "efforts": efforts}
    )


def _write_json(tmp: Path, data: dict[str, Any]) -> Path:
    p = tmp / "tasks.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans())
def test_round_trip_keeps_the_graph(tmp_path: Path, plan: Plan) -> None:
    back = imported_plan(_write_json(tmp_path, to_taskmaster(plan))).plan
    assert {e.id: set(e.depends_on) for e in back.efforts} == {
        e.id: set(e.depends_on) for e in plan.efforts
    }
    assert {x.id for x in back.external} == {x.id for x in plan.external}
    assert {e.id: e.size for e in back.efforts} == {e.id: e.size for e in plan.efforts}
    assert {e.id: e.priority for e in back.efforts} == {e.id: e.priority for e in plan.efforts}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans())
def test_round_trip_without_our_blocks_keeps_the_shape(tmp_path: Path, plan: Plan) -> None:
    """If Task Master drops the fields it does not know, the graph survives up to renaming."""
    data = to_taskmaster(plan)
    # Task Master numbers: a numeric id keeps its number, the others are numbered in order.
    name = {str(t["id"]): t["phasegate"]["id"] for t in data["master"]["tasks"]}
    for t in data["master"]["tasks"]:
        t.pop("phasegate")
    del data["master"]["metadata"]["phasegate"]
    back = imported_plan(_write_json(tmp_path, data)).plan
    renamed = {name[e.id]: {name[d] for d in e.depends_on} for e in back.efforts}
    # externals are done tasks: those others wait for come back as externals, the rest as efforts
    expected = {e.id: set(e.depends_on) for e in plan.efforts}
    needed = {d for e in plan.efforts for d in e.depends_on}
    expected.update({x.id: set() for x in plan.external if x.id not in needed})
    assert renamed == expected


def _example_plans() -> list[Path]:
    from support import EXAMPLES

    return sorted(EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("example", _example_plans(), ids=lambda p: p.stem)
def test_example_plans_survive_the_round_trip(tmp_path: Path, example: Path) -> None:
    from phasegate.plan.load import load_plan

    plan = load_plan(str(example)).plan
    back = imported_plan(_write_json(tmp_path, to_taskmaster(plan))).plan
    assert {e.id: set(e.depends_on) for e in back.efforts} == {
        e.id: set(e.depends_on) for e in plan.efforts
    }
    assert [(e.id, e.size, e.phase, e.wave, e.branch) for e in back.efforts] == [
        (e.id, e.size, e.phase, e.wave, e.branch) for e in plan.efforts
    ]
    assert [(x.id, x.status) for x in back.external] == [(x.id, x.status) for x in plan.external]
    assert [p.id for p in back.phases] == [p.id for p in plan.phases]


_STATES = ["pending", "ready", "running", "checking", "done", "failed", "rejected",
           "conflicted", "blocked", "cancelled", "rework"]  # fmt: skip


@st.composite
def plans_with_subtasks(draw: st.DrawFn) -> tuple[Plan, dict[str, str]]:
    """Numeric and named ids, parents rolling up `P.N` subtasks, and a state for each."""
    tops = draw(st.lists(st.one_of(_ids, st.integers(1, 40).map(str)), min_size=1,
                         max_size=8, unique=True))  # fmt: skip
    efforts: list[dict[str, Any]] = []
    made: list[str] = []
    for pid in tops:
        n_subs = draw(st.integers(0, 3))
        subs = [f"{pid}.{j}" for j in range(1, n_subs + 1)]
        if any(s in tops for s in subs):
            subs = []
        for s in subs:
            deps = draw(st.lists(st.sampled_from(made), unique=True, max_size=2)) if made else []
            efforts.append({"id": s, "size": draw(st.integers(0, 50)), "depends_on": deps})
            made.append(s)
        earlier = [x for x in made if x not in subs]
        deps = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        efforts.append({"id": pid, "size": 0 if subs else draw(st.integers(0, 50)),
                        "depends_on": [*deps, *subs]})  # fmt: skip
        made.append(pid)
    ids = [e["id"] for e in efforts]
    states = {i: draw(st.sampled_from(_STATES)) for i in ids}
    plan = Plan.model_validate({"version": 1, "project": "p", "efforts": efforts})
    return plan, states


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=plans_with_subtasks())
def test_round_trip_keeps_ids_states_subtasks_and_the_graph(
    tmp_path: Path, case: tuple[Plan, dict[str, str]]
) -> None:
    from phasegate.imports import read

    plan, states = case
    data = to_taskmaster(plan, states=states)
    tasks = data["master"]["tasks"]
    numbers = [t["id"] for t in tasks]
    assert len(numbers) == len(set(numbers))
    known = set(numbers)
    for t in tasks:  # no task depends on a number that names nothing
        assert all(d in known for d in t["dependencies"] if isinstance(d, int)), t
        # Numeric plan ids keep their number.
        pid = t["phasegate"]["id"]
        if pid.isdigit() and pid == str(int(pid)) and int(pid) > 0:
            assert t["id"] == int(t["phasegate"]["id"])
    subtasks = {s["phasegate"]["id"] for t in tasks for s in t["subtasks"]}
    ids = {x.id for x in plan.efforts}

    def rolled_up(i: str) -> bool:  # P.N that effort P depends on
        p, _, n = i.rpartition(".")
        return p in ids and n.isdigit() and n == str(int(n)) and i in plan.effort(p).depends_on

    expected_subs = {i for i in ids if rolled_up(i) and not rolled_up(i.rpartition(".")[0])}
    assert subtasks == expected_subs
    imp = read(str(_write_json(tmp_path, data)), "taskmaster")
    back = imported_plan(_write_json(tmp_path, data)).plan
    assert [e.id for e in back.efforts] == [e.id for e in plan.efforts] or {
        e.id for e in back.efforts
    } == {e.id for e in plan.efforts}
    assert {e.id: set(e.depends_on) for e in back.efforts} == {
        e.id: set(e.depends_on) for e in plan.efforts
    }
    assert {e.id: e.size for e in back.efforts} == {e.id: e.size for e in plan.efforts}
    assert {k: v for k, v in states.items() if v != "pending"} == imp.state


def test_a_status_changed_in_task_master_wins(tmp_path: Path) -> None:
    from phasegate.imports import read

    plan = Plan.model_validate({"version": 1, "project": "p", "efforts": [{"id": "a"}]})
    data = to_taskmaster(plan, states={"a": "failed"})
    assert data["master"]["tasks"][0]["status"] == "in-progress"
    assert read(str(_write_json(tmp_path, data)), "taskmaster").state == {"a": "failed"}
    data["master"]["tasks"][0]["status"] = "done"
    assert read(str(_write_json(tmp_path, data)), "taskmaster").state == {"a": "done"}
