"""Metric judgement and regression; escalation deadlines and the notify-once rule."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.store import open_store
from phasegate.store.types import BlockerView, MetricSummary
from phasegate.tracking import escalation, metrics
from phasegate.tracking.facts import MetricFacts, load_facts
from support import CliResult

Cli = Callable[..., CliResult]


def _summary(first: float, latest: float, count: int = 2) -> MetricSummary:
    return MetricSummary("m", count, first, 0.0, latest, 1.0, None)


@pytest.mark.parametrize(
    ("target", "value", "status"),
    [
        ("> 80", 81, "met"),
        ("> 80", 80, "missed"),
        (">= 95%", 95, "met"),
        ("< 5000", 4999, "met"),
        ("< 5000", 5000, "missed"),
        (None, 3, "no target"),
    ],
)
def test_targets_judged_on_latest_value(target: str | None, value: float, status: str) -> None:
    m = MetricFacts("m", "", "", target, None, None, None)
    assert metrics.judge(m, _summary(0, value)).status == status
    assert metrics.judge(m, None).status == "no data"


@pytest.mark.parametrize(
    ("target", "tolerance", "baseline", "latest", "regression"),
    [
        ("< 5000", "5%", 1000, 1049, False),  # latency up 4.9%: within tolerance
        ("< 5000", "5%", 1000, 1051, True),  # up 5.1%: a regression
        ("< 5000", "5%", 1000, 500, False),  # faster is never a regression
        ("> 80", "2", 90, 87.5, True),  # absolute tolerance, higher is better
        ("> 80", "2", 90, 88.5, False),
        ("> 80", None, 90, 89.9, True),  # no tolerance: any worsening
        (None, "5%", 100, 94, True),  # unknown direction: any change beyond tolerance
    ],
)
def test_regression_against_baseline(
    target: str | None, tolerance: str | None, baseline: float, latest: float, regression: bool
) -> None:
    m = MetricFacts("m", "", "", target, None, None, tolerance)
    j = metrics.judge(m, _summary(baseline, latest), gate_first=baseline)
    assert j.baseline == baseline and j.regression is regression


def test_baseline_precedence() -> None:
    plan_base = MetricFacts("m", "", "", "< 10", None, 5.0, "10%")
    assert metrics.judge(plan_base, _summary(1, 6)).baseline == 5.0
    assert metrics.judge(plan_base, _summary(1, 6), baseline=6.0).regression is False
    no_base = MetricFacts("m", "", "", "< 10", None, None, None)
    assert metrics.judge(no_base, _summary(2, 2, count=1)).baseline is None
    # The first value an agent reported is not a baseline; the first gate's measure is.
    assert metrics.judge(no_base, _summary(1, 6)).baseline is None
    assert metrics.judge(no_base, _summary(1, 6), gate_first=4.0).baseline == 4.0
    assert metrics.judge(plan_base, _summary(1, 6), gate_first=4.0).baseline == 5.0


def test_overdue_needs_unacknowledged_and_late(project: Path) -> None:
    facts, _ = load_facts(None)
    opened = 1000.0
    b = BlockerView("B1", "8.1.1", "down", "critical", opened)
    items = escalation.live_items(facts, [b], {}, {}, None, {})
    assert [i.id for i in items] == ["B1"]
    assert escalation.overdue_items(items, opened + 3599) == []
    assert [i.id for i in escalation.overdue_items(items, opened + 3601)] == ["B1"]
    acked = BlockerView("B1", "8.1.1", "down", "critical", opened, acked_at=opened + 10)
    items = escalation.live_items(facts, [acked], {}, {}, None, {})
    assert escalation.overdue_items(items, opened + 99999) == []


NOTIFY_PLAN_TAIL = """
escalation:
  critical: {within: 1h, notify: 'printf "%s|%s|%s\\n" "$PHASEGATE_ITEM_ID" "$PHASEGATE_ITEM_SEVERITY" "$PHASEGATE_ITEM_TEXT" >> notified.txt'}
  high: {within: 8h, notify: 'echo "$PHASEGATE_ITEM_ID" >> notified.txt'}
"""


def test_notify_runs_once_with_item_in_environment(cli: Cli, project: Path) -> None:
    text = (project / "phasegate.yaml").read_text()
    text = text[: text.index("escalation:")] + NOTIFY_PLAN_TAIL
    (project / "phasegate.yaml").write_text(text)
    hostile = "disk full; $(touch pwned) `touch pwned2`"
    two_hours_ago = time.time() - 7200
    with open_store(None, state_dir=project / ".phasegate", clock=lambda: two_hours_ago) as s:
        s.append("blocker.opened", effort="8.2.1", data={"text": hostile, "severity": "critical"})
        s.append("blocker.opened", effort="8.2.2", data={"text": "slow CI", "severity": "high"})
        s.transition("8.1.1", "running")  # starts the clock of risk R2 (high, 8h): not late
    r = cli("status", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert [i["id"] for i in doc["escalations"]["overdue"]] == ["B1"]
    assert doc["escalations"]["notified"] == ["B1"]
    assert cli("status").code == 0
    assert (project / "notified.txt").read_text() == f"B1|critical|{hostile}\n"
    assert not (project / "pwned").exists() and not (project / "pwned2").exists()
    assert "B1" in cli("status").out  # still overdue until acknowledged
    assert cli("ack", "B1").code == 0
    doc = json.loads(cli("status", "--json").out)
    assert doc["escalations"]["overdue"] == []
