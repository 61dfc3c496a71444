"""Checks and gates: run check commands, read metrics from their output, judge thresholds,
and evaluate a phase gate's requirements against what the store knows.

Running a check is I/O (through `proc.run`); judging requirements is pure and works on
plain values gathered from the store, so it is tested without one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasegate import proc
from phasegate.plan.expr import parse_duration, parse_threshold
from phasegate.plan.model import Check, Phase, Plan

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_ANY_NUMBER = re.compile(_NUMBER)


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    exit_code: int
    duration: float
    tail: str
    passed: bool
    metric: str | None = None
    value: float | None = None
    why: str = ""  # the reason it did not pass

    def event_data(self, scope: str) -> dict[str, Any]:
        return {
            "scope": scope,
            "name": self.name,
            "exit_code": self.exit_code,
            "duration": round(self.duration, 4),
            "tail": self.tail,
            "metric": self.metric,
            "value": self.value,
            "passed": self.passed,
            "why": self.why,
        }


def metric_value(output: str, metric: str) -> float | None:
    """`<metric>=N` / `<metric>: N` anywhere in the output, else the last number printed."""
    named = re.findall(rf"(?<![\w-]){re.escape(metric)}\s*[:=]\s*({_NUMBER})", output)
    if named:
        return float(named[-1])
    found = _ANY_NUMBER.findall(output)
    return float(found[-1]) if found else None


def judge(check: Check, result: proc.Completed) -> CheckOutcome:
    """Pass/fail of one finished check command, with the metric read from its output."""
    value: float | None = None
    why = ""
    passed = result.ok
    if result.timed_out:
        why = "timed out"
    elif result.returncode != 0:
        why = f"exit {result.returncode}"
    if check.metric:
        value = metric_value(result.stdout, check.metric)
        if passed and value is None:
            passed, why = False, f"printed no value for metric {check.metric}"
        elif passed and value is not None and check.expect is not None:
            t = parse_threshold(check.expect)
            if not t.holds(value):
                passed, why = False, f"{check.metric} = {value:g}, expected {t}"
    return CheckOutcome(
        check.label, result.returncode, result.duration, result.tail(), passed,
        check.metric, value, why,
    )  # fmt: skip


def run_check(
    check: Check,
    *,
    cwd: Path,
    extra_env: Mapping[str, str] | None = None,
) -> CheckOutcome:
    timeout = parse_duration(check.timeout) if check.timeout is not None else None
    result = proc.run(proc.shell_argv(check.run), cwd=cwd, extra_env=extra_env, timeout=timeout)
    return judge(check, result)


def run_checks(
    checks: Sequence[Check], *, cwd: Path, extra_env: Mapping[str, str] | None = None
) -> list[CheckOutcome]:
    """Every check runs, even after one fails, so the evidence is complete."""
    return [run_check(c, cwd=cwd, extra_env=extra_env) for c in checks]


def failure_reason(outcomes: Sequence[CheckOutcome]) -> str:
    bad = [f"check '{o.name}' failed ({o.why})" for o in outcomes if not o.passed]
    return "; ".join(bad)


# -- requirements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EffortFacts:
    """What a gate needs to know about one effort of its phase."""

    id: str
    state: str
    deliverables: tuple[str, ...]
    tasks_done: tuple[str, ...]
    approvals: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GateFacts:
    efforts: list[EffortFacts]
    critical_blockers: int  # open, on the phase's efforts
    conflicts: int  # actual conflicts found on the phase's efforts
    metrics: dict[str, float] = field(default_factory=dict)  # latest value of each metric
    # "name (provider)" -> verified on integration (None: not judged yet, or rolled back)
    contracts: dict[str, bool | None] = field(default_factory=dict)
    signed: dict[str, str] = field(default_factory=dict)  # criterion -> who signed it


def delivered_percent(efforts: Sequence[EffortFacts]) -> float:
    """Share of declared deliverables reported done; an effort declaring none counts once,
    delivered when it is done."""
    total = 0
    done = 0
    for e in efforts:
        if e.deliverables:
            total += len(e.deliverables)
            done += sum(1 for d in e.deliverables if d in e.tasks_done)
        else:
            total += 1
            done += e.state == "done"
    return 100.0 if total == 0 else 100.0 * done / total


def requirement_reasons(phase: Phase, facts: GateFacts) -> tuple[list[str], dict[str, Any]]:
    """Reasons the phase's requirements do not hold (empty: they hold), and the figures."""
    req = phase.gate.require
    reasons: list[str] = []
    figures: dict[str, Any] = {}
    if req.deliverables is not None:
        pct = delivered_percent(facts.efforts)
        figures["deliverables"] = round(pct, 2)
        t = parse_threshold(req.deliverables)
        if not t.holds(pct):
            reasons.append(f"deliverables {pct:.0f}% reported done, required {t}")
    if req.critical_blockers is not None:
        figures["critical_blockers"] = facts.critical_blockers
        t = parse_threshold(req.critical_blockers)
        if not t.holds(facts.critical_blockers):
            reasons.append(f"{facts.critical_blockers} open critical blocker(s), required {t}")
    if req.conflicts is not None:
        figures["conflicts"] = facts.conflicts
        t = parse_threshold(req.conflicts)
        if not t.holds(facts.conflicts):
            reasons.append(f"{facts.conflicts} conflict(s), required {t}")
    for role in req.approvals:
        missing = [e.id for e in facts.efforts if role not in e.approvals]
        figures.setdefault("approvals", {})[role] = not missing
        if missing:
            reasons.append(f"approval by {role} missing for {', '.join(missing)}")
    for metric, expr in req.metrics.items():
        t = parse_threshold(expr)
        value = facts.metrics.get(metric)
        figures.setdefault("metrics", {})[metric] = value
        if value is None:
            reasons.append(f"metric {metric} has no value, required {t}")
        elif not t.holds(value):
            reasons.append(f"metric {metric} = {value:g}, required {t}")
    if req.contracts == "all":
        figures["contracts"] = dict(facts.contracts)
        for label, ok in facts.contracts.items():
            if ok is None:
                reasons.append(f"contract {label} not verified on the integration branch")
            elif not ok:
                reasons.append(f"contract {label} failed its verification")
    if phase.gate.criteria:
        figures["criteria"] = {c: facts.signed.get(c) for c in phase.gate.criteria}
        for k, c in enumerate(phase.gate.criteria, 1):
            if c not in facts.signed:
                reasons.append(f"criterion {k} not signed off: {c}")
    return reasons, figures


def gate_facts(plan: Plan, phase: Phase, store: Any) -> GateFacts:
    """Gather GateFacts for `phase` from a store (phasegate.store.Store)."""
    ids = [e.id for e in plan.efforts if plan.phase_of(e) == phase.id]
    views = store.efforts()
    approvals = store.approvals()
    efforts = []
    for e in plan.efforts:
        if e.id not in ids:
            continue
        v = views.get(e.id)
        efforts.append(
            EffortFacts(
                e.id,
                v.state if v else "pending",
                tuple(e.deliverables),
                tuple(v.tasks_done) if v else (),
                frozenset(approvals.get(e.id, set())),
            )
        )
    mine = set(ids)
    critical = sum(
        1 for b in store.blockers() if b.open and b.severity == "critical" and b.effort in mine
    )
    from phasegate.conflicts import open_findings

    branches = {plan.branch_of(e) for e in plan.efforts if e.id in mine}
    conflicts = sum(1 for e in efforts if e.state == "conflicted")
    conflicts += sum(1 for f in open_findings(store) if f.a in branches or f.b in branches)
    metrics = {k: s.latest for k, s in store.metric_summary().items()}
    return GateFacts(
        efforts, critical, conflicts, metrics,
        _contract_facts(plan, mine, store) if phase.gate.require.contracts else {},
        _signed(phase, store) if phase.gate.criteria else {},
    )  # fmt: skip


def _contract_facts(plan: Plan, mine: set[str], store: Any) -> dict[str, bool | None]:
    from phasegate.contracts.record import standings

    stand = standings(store)
    out: dict[str, bool | None] = {}
    for e in plan.efforts:
        if e.id in mine:
            for c in e.provides:
                s = stand.get((e.id, c.name))
                out[f"{c.name} ({e.id})"] = None if s is None else s.ok
    return out


def _signed(phase: Phase, store: Any) -> dict[str, str]:
    from phasegate.tracking.signoff import signoffs

    return {
        c: f"{s.role} ({s.by})" for c, s in signoffs(phase.id, phase.gate.criteria, store).items()
    }
