"""The schedule command on the seed's own plan, and its error handling."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from phasegate.plan.load import load_plan
from phasegate.schedule.calendar import Slot, half_days
from phasegate.schedule.planned import schedule
from support import EXAMPLES, CliResult

KCP = str(EXAMPLES / "kcp-phase8.yaml")
Cli = Callable[..., CliResult]


def test_kcp_two_agents_reach_the_critical_path_proven_by_cp_sat(cli: Cli) -> None:
    r = cli("schedule", "-f", KCP, "--agents", "2", "--optimal", "--time-limit", "2", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["schema"] == "phasegate.schedule/1"
    assert (doc["makespan"], doc["lower_bound"], doc["optimal"]) == (3300, 3300, True)
    assert doc["days"] == round(3300 / 700, 4)
    assert {s["effort"] for s in doc["slots"]} == {
        "8.1.1",
        "8.1.2",
        "8.2.1",
        "8.2.2",
        "8.2.3",
        "8.3.1",
        "8.3.2",
        "8.3.3",
    }
    assert {s["agent"] for s in doc["slots"]} <= {1, 2}
    # One agent cannot: the lower bound is then the total work.
    one = json.loads(cli("schedule", "-f", KCP, "--agents", "1", "--optimal", "--json").out)
    assert one["makespan"] == one["lower_bound"] == 5100


def test_kcp_recommendation_is_two_agents(cli: Cli) -> None:
    r = cli("schedule", "-f", KCP, "--agents", "1-8", "--json")
    doc = json.loads(r.out)
    assert doc["recommended"] == 2
    assert [c["makespan"] for c in doc["curve"]] == [5100] + [3300] * 7
    assert doc["curve"][1]["utilisation"] == round(5100 / (2 * 3300), 4)
    text = cli("schedule", "-f", KCP, "--agents", "1-8").out
    assert "recommended: 2 agent(s)" in text
    assert "critical path (3300 lines = 4.7 days" in text


def test_terminal_view_has_timeline_and_half_day_calendar(cli: Cli) -> None:
    r = cli("schedule", "-f", KCP, "--agents", "3")
    assert r.code == 0
    for needle in ("timeline by agent", "Day 1 AM", "Day 1 PM", "Workspace Discovery (350L)"):
        assert needle in r.out


def test_phase_gates_order_efforts(tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(
        "version: 1\nproject: t\nphases: [{id: a}, {id: b}]\nefforts:\n"
        "  - {id: x, phase: a, size: 5}\n  - {id: y, phase: a, size: 1}\n"
        "  - {id: z, phase: b, size: 2}\n"
    )
    s = schedule(load_plan(str(plan)).plan, 3)
    at = {x.effort: x for x in s.slots}
    assert at["z"].start >= max(at["x"].end, at["y"].end)
    assert s.makespan == 7


def test_calendar_portions_add_up_to_sizes() -> None:
    slots = [Slot("a", "A", 1, 0, 500), Slot("b", "B", 2, 100, 800)]
    rows = half_days(slots, 2, 700, "lines")
    assert [r.label for r in rows] == ["Day 1 AM", "Day 1 PM", "Day 2 AM"]
    assert rows[0].cells == ["A (350L)", "B (250L)"]
    assert rows[1].cells == ["A (150L)", "B (350L)"]
    assert rows[2].cells == ["-", "B (100L)"]


def test_forecast_is_reproducible_and_ordered(cli: Cli) -> None:
    args = ("schedule", "-f", KCP, "--agents", "2", "--forecast", "--runs", "300", "--json")
    a, b = json.loads(cli(*args, "--seed", "7").out), json.loads(cli(*args, "--seed", "7").out)
    assert a == b
    assert a["p50"] <= a["p80"] <= a["p95"]
    # Every estimate's high end summed along the critical path caps the finish.
    assert 2800 < a["p50"] < 4050
    assert a["days"]["p80"] == round(a["p80"] / 700, 3)


def test_bad_arguments_exit_2_with_one_line(cli: Cli) -> None:
    for args in (
        ["--agents", "x"],
        ["--agents", "5-2"],
        ["--time-limit", "0"],
        ["--agents", "1-3", "--forecast"],
        ["--dist", "normal"],
    ):
        r = cli("schedule", "-f", KCP, *args)
        assert r.code == 2, args
        assert r.err.strip().count("\n") == 0 and "Traceback" not in r.err


def test_forecast_calibrates_from_recorded_durations(cli: Cli, tmp_path: Path) -> None:
    import shutil

    from phasegate.store import open_store

    plan = tmp_path / "phasegate.yaml"
    shutil.copy(KCP, plan)
    args = ("schedule", "-f", str(plan), "--agents", "2", "--forecast", "--runs", "200", "--json")
    before = json.loads(cli(*args).out)
    assert before["calibration"] == 1.0 and before["observed_efforts"] == 0
    now = [0.0]
    with open_store(None, state_dir=tmp_path / ".phasegate", clock=lambda: now[0]) as store:
        # 8.1.1 is 700 lines, one planned working day at 700 lines a day; it took two.
        for state, at in (
            ("ready", 0.0),
            ("running", 10.0),
            ("checking", 10.0 + 16 * 3600),
            ("done", 10.0 + 16 * 3600),
        ):
            now[0] = at
            store.transition("8.1.1", state)
    after = json.loads(cli(*args).out)
    assert after["observed_efforts"] == 1
    assert after["calibration"] == 2.0
    assert after["p50"] > 1.8 * before["p50"]


def test_cp_sat_itself_finds_and_proves_the_kcp_optimum() -> None:
    from phasegate.schedule import exact, heuristic
    from phasegate.schedule.planned import problem_of
    from phasegate.schedule.validate import violations

    _, p = problem_of(load_plan(KCP).plan)
    # Start CP-SAT from the one-agent schedule (5100 lines) so that it has to find the
    # 2-agent schedule and the proof by itself rather than inherit them from the heuristic.
    poor = heuristic.solve(p, 1)
    assert poor.makespan == 5100 * p.scale
    s = exact.solve(p, 2, time_limit=5.0, start_from=poor)
    assert violations(p, s, 2) == []
    assert (s.makespan, s.optimal) == (3300 * p.scale, True)


def test_a_forecast_without_estimates_says_why_it_has_no_spread(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(
        "version: 1\nproject: p\nefforts:\n  - {id: a, size: 3}\n  - {id: b, size: 2}\n"
    )
    r = cli("schedule", "-f", str(plan), "--agents", "1", "--forecast", "--runs", "50")
    assert r.code == 0, r.err
    assert "P50 = P80 = P95" in r.out and "estimate" in r.out
    doc = json.loads(cli("schedule", "-f", str(plan), "--agents", "1", "--forecast", "--json").out)
    assert doc["estimated_efforts"] == 0 and "P50 = P80 = P95" in doc["note"]
    with_range = json.loads(cli(*("schedule", "-f", KCP, "--agents", "2", "--forecast",
                                  "--runs", "50", "--json")).out)  # fmt: skip
    assert "note" not in with_range or with_range["estimated_efforts"] == 0
