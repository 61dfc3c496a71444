"""Re-forecast from actuals: the pace of finished efforts moves the ETA and the critical path."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.plan.load import load_plan
from phasegate.schedule.forecast import WORKDAY_SECONDS
from phasegate.store import open_store
from phasegate.tracking.facts import facts_of
from phasegate.tracking.reforecast import Progress, calibrate, reforecast
from support import CliResult

Cli = Callable[..., CliResult]

# Planned on 3 agents: a -> c (2 + 2 days) is the critical path; b -> d (1 + 2.5) has slack.
PLAN = """\
version: 1
project: pace
units: days
rate: 1
agents: {max: 3}
efforts:
  - {id: a, size: 2, deliverables: [A]}
  - {id: b, size: 1, deliverables: [B]}
  - {id: x, size: 1, deliverables: [X]}
  - {id: c, size: 2, depends_on: [a], deliverables: [C]}
  - {id: d, size: 2.5, depends_on: [b], deliverables: [D]}
"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """b and x, the first efforts off the critical path, took twice their estimates (2 days
    each); a took its 2 days. Now is the moment they all finished."""
    monkeypatch.delenv("PHASEGATE_DB", raising=False)
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(PLAN)
    clock = Clock(time.time() - 2 * WORKDAY_SECONDS)
    with open_store(None, state_dir=tmp_path / ".phasegate", clock=clock) as store:
        for e in ("a", "b", "x"):
            store.transition(e, "running")
        clock.now += 2 * WORKDAY_SECONDS
        for e in ("a", "b", "x"):
            store.transition(e, "done")
    return plan


def test_status_shows_the_reforecast_eta_and_the_new_critical_effort(
    cli: Cli, slipped: Path
) -> None:
    r = cli("status", "-f", str(slipped), "--json")
    assert r.code == 0, r.err
    fc = json.loads(r.out)["forecast"]
    assert fc["calibration"]["factor"] == pytest.approx(2.0, rel=0.01)
    assert fc["calibration"]["observed"] == 3
    assert fc["calibration"]["low"] <= 2.0 <= fc["calibration"]["high"]
    # d (2.5 days at twice the pace: 5) now outlasts c (2 days: 4).
    assert fc["critical"] == ["d"]
    assert fc["newly_critical"] == ["d"]
    assert fc["planned_days"] == pytest.approx(4.0)
    assert fc["elapsed_days"] == pytest.approx(2.0, abs=0.01)
    assert fc["slippage_days"]["p50"] > 2.0
    assert fc["eta"]["p50"] <= fc["eta"]["p80"]
    assert fc["add_agent"]["effort"] == "d"
    text = cli("status", "-f", str(slipped)).out
    assert "re-forecast on 3 agent(s): ETA " in text
    assert "newly critical: d" in text
    assert "pace: x2.00 the estimates" in text
    r = cli("forecast", "-f", str(slipped), "--json")
    assert json.loads(r.out)["newly_critical"] == ["d"]


def test_nothing_started_means_no_reforecast_in_status(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(PLAN)
    r = cli("status", "-f", str(plan), "--json")
    assert json.loads(r.out)["forecast"] is None
    r = cli("forecast", "-f", str(plan), "--json")
    fc = json.loads(r.out)
    assert fc["calibration"]["observed"] == 0
    assert fc["slippage_days"]["p50"] == pytest.approx(0.0)
    assert fc["critical"] == ["a", "c"] and fc["newly_critical"] == []


def test_running_effort_keeps_only_its_remaining_time(tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(PLAN)
    facts = facts_of(load_plan(str(plan)).plan)
    now = 1_000_000.0
    one_day_ago = now - WORKDAY_SECONDS
    fc = reforecast(
        facts, {"a": Progress("running", one_day_ago), "b": Progress("done"), "x": Progress("done")},
        [], agents=3, start=one_day_ago,
        now=now, runs=50,
    )  # fmt: skip
    # a has 1 of its 2 days left, then c: 3 days in all (d, 2.5, fits beside); the plan
    # said 4 and a day has passed.
    assert fc["remaining"]["expected"] == pytest.approx(3.0)
    assert fc["slippage_days"]["p50"] == pytest.approx(0.0)


def test_calibration_interval_brackets_the_median() -> None:
    cal = calibrate([1.0, 1.2, 3.0, 0.9, 1.1])
    assert cal.factor == pytest.approx(1.1)
    assert cal.low <= cal.factor <= cal.high
    assert calibrate([]).factor == 1.0 and calibrate([]).observed == 0


# The same shape in a real run: sizes of a few seconds of agent time (a working day is
# WORKDAY_SECONDS), agents that sleep for their share. b and x, the first efforts off the
# critical path, take twice their estimates; a takes its own.
DAY_S = WORKDAY_SECONDS
RUN_PLAN = f"""\
version: 1
project: pace-run
units: days
rate: 1
agents: {{max: 3, retries: 0}}
efforts:
  - {{id: a, size: 0.0002, deliverables: [A], command: "sleep {0.0002 * DAY_S:.2f}"}}
  - {{id: b, size: 0.0001, deliverables: [B], command: "sleep {0.0002 * DAY_S:.2f}"}}
  - {{id: x, size: 0.0001, deliverables: [X], command: "sleep {0.0002 * DAY_S:.2f}"}}
  - {{id: c, size: 0.0002, depends_on: [a], deliverables: [C], command: "true"}}
  - {{id: d, size: 0.00025, depends_on: [b], deliverables: [D], command: "true"}}
"""


def test_a_run_whose_first_efforts_take_twice_their_estimates(tmp_path: Path) -> None:
    from support import run_phasegate

    (tmp_path / "phasegate.yaml").write_text(RUN_PLAN)
    r = run_phasegate("run", "--no-worktrees", "--plain", "--only", "a", "--only", "b",
                      "--only", "x", cwd=tmp_path)  # fmt: skip
    assert r.code == 0, r.out + r.err
    st = json.loads(run_phasegate("status", "--json", "--no-notify", cwd=tmp_path).out)
    fc = st["forecast"]
    assert fc["calibration"]["observed"] == 3
    assert fc["calibration"]["factor"] > 1.5
    assert fc["critical"] == ["d"] and fc["newly_critical"] == ["d"]
    assert fc["eta"]["p50"]
    # d at the observed pace (2.5 x ~2) outlasts what the plan left for c and d (2 and 2.5)
    assert fc["remaining"]["expected"] > 0.00045
    text = run_phasegate("status", "--no-notify", cwd=tmp_path).out
    assert "re-forecast on 3 agent(s): ETA " in text and "newly critical: d" in text
