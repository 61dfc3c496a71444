"""Metrics judged against their targets, and regressions against a baseline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phasegate.plan.expr import ExprError, parse_threshold
from phasegate.store.types import MetricSummary
from phasegate.tracking.facts import MetricFacts


@dataclass(frozen=True)
class MetricJudgement:
    id: str
    title: str
    unit: str
    target: str | None
    latest: float | None
    status: str  # "met" | "missed" | "no data" | "no target"
    baseline: float | None
    change: float | None  # latest - baseline, in the metric's unit
    change_pct: float | None
    regression: bool
    tolerance: str | None
    samples: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "unit": self.unit,
            "target": self.target,
            "latest": self.latest,
            "status": self.status,
            "baseline": self.baseline,
            "change": self.change,
            "change_pct": self.change_pct,
            "regression": self.regression,
            "tolerance": self.tolerance,
            "samples": self.samples,
        }


def higher_is_better(target: str | None) -> bool | None:
    """Which way is "worse" for a metric: from its target's operator, if it has one."""
    if target is None:
        return None
    t = parse_threshold(target)
    if t.op in (">", ">="):
        return True
    if t.op in ("<", "<="):
        return False
    return None


def is_regression(
    baseline: float, latest: float, tolerance: str | None, better_up: bool | None
) -> bool:
    """Worse than the baseline by more than the tolerance ("5%" relative, "3" absolute).

    With no known direction any change beyond the tolerance counts; with no tolerance any
    change for the worse does.
    """
    delta = latest - baseline
    if better_up is True:
        worse = -delta
    elif better_up is False:
        worse = delta
    else:
        worse = abs(delta)
    if tolerance is None:
        return worse > 0
    try:
        tol = parse_threshold(tolerance)
    except ExprError:
        return worse > 0
    limit = abs(tol.value)
    if tol.percent:
        if baseline == 0:
            return worse > 0
        return worse / abs(baseline) * 100.0 > limit
    return worse > limit


def judge(
    m: MetricFacts,
    summary: MetricSummary | None,
    baseline: float | None = None,
    gate_first: float | None = None,
) -> MetricJudgement:
    """`baseline` (from --baseline) beats the plan's baseline, which beats `gate_first`: the
    value the first gate evaluation measured. Never a value an agent reported itself."""
    latest = summary.latest if summary else None
    if latest is None:
        status = "no data"
    elif m.target is None:
        status = "no target"
    else:
        status = "met" if parse_threshold(m.target).holds(latest) else "missed"
    base = baseline if baseline is not None else m.baseline
    if base is None:
        base = gate_first
    change = change_pct = None
    regression = False
    if base is not None and latest is not None:
        change = latest - base
        change_pct = (change / abs(base) * 100.0) if base else None
        regression = is_regression(base, latest, m.tolerance, higher_is_better(m.target))
    return MetricJudgement(
        m.id,
        m.title,
        m.unit,
        m.target,
        latest,
        status,
        base,
        change,
        change_pct,
        regression,
        m.tolerance,
        summary.count if summary else 0,
    )


def judge_all(
    metrics: list[MetricFacts],
    summaries: dict[str, MetricSummary],
    baselines: dict[str, float] | None = None,
    gate_first: dict[str, float] | None = None,
) -> list[MetricJudgement]:
    b = baselines or {}
    g = gate_first or {}
    return [judge(m, summaries.get(m.id), b.get(m.id), g.get(m.id)) for m in metrics]
