"""What the tracking commands need from a plan, as plain values cached beside the state.

Validating a large plan (YAML with positions, pydantic, graph analysis) costs far more than
the 300 ms `phasegate status` may take, and the plan changes rarely while status, ready and
report run constantly. So the first command after a plan edit computes these facts and
writes them to `.phasegate/cache/`, keyed by the plan file's content hash; later commands
read that file without importing the plan model at all. The facts are stored with `marshal`
(the interpreter's own format for plain values, read about twice as fast as JSON), under a
header naming the Python that wrote them, since that format changes between versions.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.plan.discover import find_plan, state_dir_of

if TYPE_CHECKING:
    from phasegate.plan.model import Plan

FACTS_VERSION = 4


@dataclass(frozen=True)
class EffortFacts:
    id: str
    title: str
    phase: str | None
    wave: int
    size: float
    owner: str
    priority: str
    branch: str
    depends_on: list[str]  # efforts only
    external: list[str]  # external prerequisites
    deliverables: list[str]
    reviewers: list[str]
    earliest_start: float
    slack: float
    remaining: float  # longest path from this effort's start to the end
    critical: bool
    files: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    estimate: list[float] | None = None  # low, likely, high in size units (forecasts)
    provides: list[str] = field(default_factory=list)  # interface contracts, by name
    uses: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PhaseFacts:
    id: str
    title: str
    after: list[str]
    efforts: list[str]
    approvals: list[str]
    require: dict[str, str]
    gate_checks: list[str]
    entry: list[str]
    deliverables: list[str]
    integration_points: list[str]
    sign_off: list[str]
    criteria: list[str] = field(default_factory=list)  # signed off by people at the gate


@dataclass(frozen=True)
class MetricFacts:
    id: str
    title: str
    unit: str
    target: str | None
    effort: str | None
    baseline: float | None
    tolerance: str | None


@dataclass(frozen=True)
class RiskFacts:
    id: str
    title: str
    severity: str
    effort: str | None
    phase: str | None
    owner: str
    mitigation: str
    contingency: str


@dataclass(frozen=True)
class EscalationFacts:
    severity: str
    within: float  # seconds
    notify: str | list[str] | None
    to: list[str]
    description: str


@dataclass(frozen=True)
class PlanFacts:
    project: str
    description: str
    units: str
    rate: float | None
    agents_max: int
    length: float
    critical_path: list[str]
    waves: list[list[str]]
    efforts: list[EffortFacts]  # in a topological order
    phases: list[PhaseFacts]
    metrics: list[MetricFacts]
    risks: list[RiskFacts]
    escalation: dict[str, EscalationFacts]
    externals: dict[str, str]  # id -> status
    budgets: list[dict[str, Any]] = field(default_factory=list)  # service.budget.Limit JSON
    agent_kind: str = "command"

    def effort(self, effort_id: str) -> EffortFacts | None:
        return self.by_id.get(effort_id)

    @property
    def by_id(self) -> dict[str, EffortFacts]:
        cached: dict[str, EffortFacts] | None = self.__dict__.get("_by_id")
        if cached is None:
            cached = {e.id: e for e in self.efforts}
            object.__setattr__(self, "_by_id", cached)
        return cached

    def phase(self, phase_id: str) -> PhaseFacts | None:
        cached: dict[str, PhaseFacts] | None = self.__dict__.get("_phase_by_id")
        if cached is None:
            cached = {p.id: p for p in self.phases}
            object.__setattr__(self, "_phase_by_id", cached)
        return cached.get(phase_id)

    def metric(self, metric_id: str) -> MetricFacts | None:
        return next((m for m in self.metrics if m.id == metric_id), None)

    def to_json(self) -> dict[str, Any]:
        # Efforts as rows under one list of field names: a big plan's cache then parses in
        # a fraction of the time its thousands of repeated keys would take.
        names = _effort_fields()
        return {
            **asdict(self),
            "efforts": {
                "fields": list(names),
                "rows": [[getattr(e, k) for k in names] for e in self.efforts],
            },
        }

    @staticmethod
    def from_json(d: dict[str, Any]) -> PlanFacts:
        return PlanFacts(
            **{
                **d,
                "efforts": _efforts_of(d["efforts"]),
                "phases": [PhaseFacts(**p) for p in d["phases"]],
                "metrics": [MetricFacts(**m) for m in d["metrics"]],
                "risks": [RiskFacts(**r) for r in d["risks"]],
                "escalation": {k: EscalationFacts(**v) for k, v in d["escalation"].items()},
            }
        )


def _effort_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(EffortFacts))


def _efforts_of(doc: dict[str, Any]) -> list[EffortFacts]:
    names = _effort_fields()
    if tuple(doc["fields"]) != names:
        raise ValueError("the cached efforts have other fields")
    # Every field is in each row, so the instance dict is filled directly: calling the
    # frozen dataclass's __init__ per effort costs twice as long on a 10,000-effort plan.
    new = object.__new__
    out: list[EffortFacts] = []
    for row in doc["rows"]:
        if len(row) != len(names):
            raise ValueError("a cached effort has too few or too many values")
        e = new(EffortFacts)
        e.__dict__.update(zip(names, row, strict=True))
        out.append(e)
    return out


def facts_of(plan: Plan) -> PlanFacts:
    """Pure: the tracking view of a validated plan."""
    from phasegate.plangraph import PlanGraph

    g = PlanGraph.of(plan)
    a = g.analysis
    crit = g.critical_efforts()
    on = set(crit)
    remaining = g.remaining_path()
    wave_of = {i: k for k, ids in enumerate(g.waves(), 1) for i in ids}
    effort_ids = {e.id for e in plan.efforts}
    by_id = {e.id: e for e in plan.efforts}
    efforts: list[EffortFacts] = []
    for u in g.order:
        if not g.is_effort(u):
            continue
        e = by_id[g.nodes[u].id]
        efforts.append(
            EffortFacts(
                id=e.id,
                title=e.title,
                phase=plan.phase_of(e),
                wave=wave_of[e.id],
                size=e.size,
                owner=e.owner,
                priority=e.priority,
                branch=plan.branch_of(e),
                depends_on=[d for d in e.depends_on if d in effort_ids],
                external=[d for d in e.depends_on if d not in effort_ids],
                deliverables=list(e.deliverables),
                reviewers=list(e.reviewers),
                earliest_start=a.earliest_start[u],
                slack=a.slack[u],
                remaining=remaining[u],
                critical=e.id in on,
                files=list(e.files),
                interfaces=list(e.interfaces),
                checks=[c.label for c in e.checks],
                estimate=_triple(e),
                provides=[c.name for c in e.provides],
                uses=[u.name for u in e.uses],
            )
        )
    phases = [
        PhaseFacts(
            id=p.id,
            title=p.title,
            after=plan.phase_after(i),
            efforts=[e.id for e in plan.efforts if plan.phase_of(e) == p.id],
            approvals=list(p.gate.require.approvals),
            require={
                k: str(v)
                for k, v in (
                    ("deliverables", p.gate.require.deliverables),
                    ("critical_blockers", p.gate.require.critical_blockers),
                    ("conflicts", p.gate.require.conflicts),
                )
                if v is not None
            }
            | {f"metric {k}": str(v) for k, v in p.gate.require.metrics.items()}
            | ({"contracts": "all"} if p.gate.require.contracts else {}),
            gate_checks=[
                c.label + (f" ({c.metric} {c.expect})" if c.metric and c.expect else "")
                for c in p.gate.checks
            ],
            entry=[c.label for c in p.entry],
            deliverables=list(p.deliverables),
            integration_points=list(p.integration_points),
            sign_off=list(p.sign_off),
            criteria=list(p.gate.criteria),
        )
        for i, p in enumerate(plan.phases)
    ]
    from phasegate.plan.expr import parse_duration
    from phasegate.service.budget import limits as budget_limits

    return PlanFacts(
        project=plan.project,
        description=plan.description,
        units=plan.units,
        rate=plan.rate,
        agents_max=plan.agents.max,
        length=a.length,
        critical_path=crit,
        waves=g.waves(),
        efforts=efforts,
        phases=phases,
        metrics=[
            MetricFacts(
                m.id,
                m.title,
                m.unit,
                None if m.target is None else str(m.target),
                m.effort,
                m.baseline,
                None if m.tolerance is None else str(m.tolerance),
            )
            for m in plan.metrics
        ],
        risks=[
            RiskFacts(
                r.id, r.title, r.severity, r.effort, r.phase, r.owner, r.mitigation, r.contingency
            )
            for r in plan.risks
        ],
        escalation={
            sev: EscalationFacts(
                sev,
                parse_duration(esc.within),
                esc.notify if isinstance(esc.notify, str | None) else list(esc.notify),
                list(esc.to),
                esc.description,
            )
            for sev, esc in plan.escalation.items()
        },
        externals={x.id: x.status for x in plan.external},
        budgets=[lim.to_json() for lim in budget_limits(plan)],
        agent_kind=plan.agents.kind,
    )


def _triple(e: Any) -> list[float] | None:
    if e.estimate is None:
        return None
    lo, hi = e.estimate.low, e.estimate.high
    likely = e.estimate.likely
    if likely is None:
        likely = e.size if lo <= e.size <= hi else (lo + hi) / 2
    return [lo, likely, hi]


def load_facts(option: str | None) -> tuple[PlanFacts, Path]:
    """Facts for the plan `option` names, from the cache when the plan has not changed.

    The cache's first line names the plan file's content (its SHA-256) and the file as it
    stood then (inode, size, modification and change times, in nanoseconds). While the file
    stands as it did, its content is the same: nothing writes a file without moving its
    change time, which no program can set back. So the common case reads no plan and hashes
    nothing; a file that was touched or checked out again is hashed, and reuses the facts
    when its content is what they were computed from.
    """
    path = find_plan(option)
    stamp = _stamp(path)
    cache = state_dir_of(path) / "cache" / f"facts-v{FACTS_VERSION}.marshal"
    head, body = _read_cache(cache)
    if head is not None and body is not None and head.get("stamp") == stamp:
        with contextlib.suppress(ValueError, KeyError, TypeError, EOFError):
            return PlanFacts.from_json(marshal.loads(body)), path
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if head is not None and body is not None and head.get("sha256") == digest:
        with contextlib.suppress(ValueError, KeyError, TypeError, EOFError):
            facts = PlanFacts.from_json(marshal.loads(body))
            _write_cache(cache, stamp, digest, body)
            return facts, path
    from phasegate.plan.load import load_plan

    facts = facts_of(load_plan(str(path)).plan)
    _write_cache(cache, stamp, digest, marshal.dumps(facts.to_json()))
    return facts, path


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _read_cache(cache: Path) -> tuple[dict[str, Any] | None, bytes | None]:
    try:
        with open(cache, "rb") as f:
            head = json.loads(f.readline())
            if not isinstance(head, dict) or head.get("python") != sys.version:
                return None, None
            return head, f.read()
    except (OSError, ValueError):
        return None, None


def _write_cache(cache: Path, stamp: list[int], digest: str, body: bytes) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        head = json.dumps({"sha256": digest, "stamp": stamp, "python": sys.version})
        tmp.write_bytes(head.encode() + b"\n" + body)
        os.replace(tmp, cache)  # atomic, so concurrent commands never read half a file
    except OSError:
        pass  # a read-only checkout still works, only slower
