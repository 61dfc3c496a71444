"""STG files: parsing, the plan importer, and the solvers against a published optimum."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.errors import InputError
from phasegate.imports.stg import parse
from phasegate.schedule import exact, heuristic
from phasegate.schedule.model import Problem
from phasegate.schedule.validate import violations
from support import SHARED, CliResult

STG = SHARED / "data" / "stg"
SMALL = "4\n0 0 0\n1 3 1 0\n2 2 1 0\n3 4 2 1 2\n4 1 1 0\n5 0 2 3 4\n# 2 Proc. : 7 7\n"
Cli = Callable[..., CliResult]


def test_parse_drops_the_dummy_tasks() -> None:
    g = parse(SMALL)
    assert g.dur == [3, 2, 4, 1]
    assert g.pred == [[], [], [0, 1], []]
    assert g.published() == {2: 7}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2\n0 0 0\n1 x 1 0\n", ":3: expected an integer (processing time of task 1), found 'x'"),
        ("2\n0 0 0\n1 3 1 0\n", ":3: file ends where a task id was expected"),
        ("2\n0 0 0\n2 3 1 0\n", ":3: expected task 1, found task 2"),
        ("2\n0 0 0\n1 3 1 0\n2 1 1 2\n3 0 1 2\n", ":4: task 2 lists predecessor 2"),
        ("1\n0 0 0\n1 3 1 0\n2 0 1 1\n9\n", ":5: unexpected data after task 2"),
        ("1\n0 0 0\n1 -3 1 0\n", ":3: processing time of task 1 must not be negative"),
    ],
)
def test_malformed_files_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        parse(text, "g.stg")
    assert str(e.value).startswith("g.stg:")
    assert message in str(e.value)


def test_import_command_writes_a_plan_that_schedules(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "small.stg"
    src.write_text(SMALL)
    out = tmp_path / "phasegate.yaml"
    r = cli("import", str(src), "--from", "stg", "-o", str(out))
    assert r.code == 0, r.err
    r = cli("schedule", "-f", str(out), "--agents", "2", "--optimal", "--json")
    doc = json.loads(r.out)
    assert (doc["makespan"], doc["optimal"]) == (7, True)
    assert sorted(s["effort"] for s in doc["slots"]) == ["1", "2", "3", "4"]


def test_import_of_a_broken_file_is_one_line_exit_1(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "bad.stg"
    src.write_text("3\n0 0 0\n1 4 1 0\n2 x 1 1\n")
    r = cli("import", str(src), "--from", "stg")
    assert r.code == 1
    assert (
        r.err.strip() == f"error: {src}:4: expected an integer (processing time of task 2), "
        "found 'x'"
    )


@pytest.mark.skipif(not STG.is_dir(), reason="STG data set not present")
@pytest.mark.parametrize(("name", "m"), [("rand0114.stg", 4), ("rand0094.stg", 4)])
def test_exact_reaches_the_published_optimum(name: str, m: int) -> None:
    # Instances whose published optimum is proven, and which the list heuristic misses:
    # the answer can only come from CP-SAT itself.
    g = parse((STG / "50" / name).read_text())
    p = Problem.of(g.dur, g.pred)
    best = g.published()[m]
    a = heuristic.anchor(p, m)
    h = heuristic.solve(p, m)
    assert violations(p, a, m) == [] and violations(p, h, m) == []
    assert min(a.makespan, h.makespan) > best
    s = exact.solve(p, m, time_limit=20.0)
    assert violations(p, s, m) == []
    assert s.makespan == best and s.optimal


@pytest.mark.skipif(not STG.is_dir(), reason="STG data set not present")
@pytest.mark.parametrize(("name", "m"), [("rand0038.stg", 8), ("rand0099.stg", 8)])
def test_exact_reaches_set_300_optima_above_the_bound(name: str, m: int) -> None:
    # rand0038: the optimum is the work bound with 5 units of idle time in all, which
    # neither the packing search nor CP-SAT found in 20 s; the greedy aimed at the bound
    # does. rand0099: the optimum is 3 above the subset bound; each target below it is
    # proven impossible on the way.
    g = parse((STG / "300" / name).read_text())
    p = Problem.of(g.dur, g.pred)
    best = g.published()[m]
    assert heuristic.anchor(p, m).makespan > best
    s = exact.solve(p, m, time_limit=20.0)
    assert violations(p, s, m) == []
    assert (s.makespan, s.optimal) == (best, True)
