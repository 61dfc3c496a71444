"""Budgets: what each scope (the plan, a phase, an effort) may spend, what it has spent, and
what happens when it crosses its limit.

Limits come from the plan's `budget:` keys, resolved once into `Limit` values (kept in the
plan facts, so `status` needs no plan model). A raise is a `budget.raised` event; a crossing
is a `budget.exceeded` event, stored once per scope and limit, and an escalation item of the
budget's severity. `held` says which efforts may not start (pause and stop), `left_for` how
much an effort may still spend (a Claude attempt's `--max-budget-usd`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from phasegate.errors import InputError, UsageError

if TYPE_CHECKING:
    from phasegate.plan.model import Budget, Plan
    from phasegate.store import EffortView, Event, Store
    from phasegate.tracking.session import Session

EXCEEDED = "budget.exceeded"
RAISED = "budget.raised"


@dataclass(frozen=True)
class Limit:
    scope: str  # "plan", "phase:ID" or "effort:ID"
    efforts: tuple[str, ...]  # whose spending counts against it
    usd: float
    on_exceed: str  # warn | pause | stop
    severity: str

    @property
    def label(self) -> str:
        kind, _, name = self.scope.partition(":")
        return f"{kind} {name}" if name else kind

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "efforts": list(self.efforts), "usd": self.usd,
                "on_exceed": self.on_exceed, "severity": self.severity}  # fmt: skip

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> Limit:
        return Limit(str(d["scope"]), tuple(d["efforts"]), float(d["usd"]),
                     str(d["on_exceed"]), str(d["severity"]))  # fmt: skip


def limits(plan: Plan) -> list[Limit]:
    """Every limit the plan declares. `per_unit` on the plan or a phase gives each effort in
    it (without a budget of its own) an envelope of per_unit times its size."""
    out: list[Limit] = []
    everyone = tuple(e.id for e in plan.efforts)
    members: dict[str, list[str]] = {}
    for e in plan.efforts:
        members.setdefault(plan.phase_of(e) or "", []).append(e.id)
    if plan.budget is not None and plan.budget.usd is not None:
        out.append(_limit("plan", everyone, plan.budget.usd, plan.budget))
    envelope: dict[str, Budget] = {}
    if plan.budget is not None and plan.budget.per_unit is not None:
        envelope = {e: plan.budget for e in everyone}
    for p in plan.phases:
        b = p.budget
        if b is None:
            continue
        if b.usd is not None:
            out.append(_limit(f"phase:{p.id}", tuple(members.get(p.id, [])), b.usd, b))
        if b.per_unit is not None:
            envelope.update({e: b for e in members.get(p.id, [])})
    for e in plan.efforts:
        own = e.budget
        if own is not None:
            usd = own.usd if own.usd is not None else (own.per_unit or 0.0) * e.size
            out.append(_limit(f"effort:{e.id}", (e.id,), usd, own))
        elif e.id in envelope:
            b = envelope[e.id]
            out.append(_limit(f"effort:{e.id}", (e.id,), (b.per_unit or 0.0) * e.size, b))
    return out


def _limit(scope: str, efforts: tuple[str, ...], usd: float, b: Budget) -> Limit:
    return Limit(scope, efforts, float(usd), b.on_exceed, b.severity)


@dataclass(frozen=True)
class Standing:
    limit: Limit
    spent: float
    raised: float

    @property
    def cap(self) -> float:
        return self.limit.usd + self.raised

    @property
    def left(self) -> float:
        return self.cap - self.spent

    @property
    def exceeded(self) -> bool:
        # Compared in micro-dollars, as every figure is shown, so that status never calls a
        # scope over budget while printing the same two numbers for spent and limit.
        from phasegate.service.costs import micro

        return micro(self.spent) > micro(self.cap)

    @property
    def key(self) -> str:
        from phasegate.service.costs import micro

        return f"budget:{self.limit.scope}:{micro(self.cap)}"

    def reason(self) -> str:
        s = self.limit
        where = s.scope.partition(":")[2]
        opt = f" --{s.scope.partition(':')[0]} {where}" if where else ""
        verb = {"pause": "paused", "stop": "stopped"}.get(s.on_exceed, "over budget")
        return (
            f"{verb}: budget of {s.label} exceeded ({self.spent:.2f} of {self.cap:.2f} USD "
            f"spent); 'phasegate budget --raise N{opt} --reason TEXT' raises it"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.limit.scope,
            "usd": round(self.limit.usd, 6),
            "raised": round(self.raised, 6),
            "cap": round(self.cap, 6),
            "spent": round(self.spent, 6),
            "left": round(self.left, 6),
            "exceeded": self.exceeded,
            "on_exceed": self.limit.on_exceed,
            "severity": self.limit.severity,
        }


def raises(events: Iterable[Event]) -> dict[str, float]:
    out: dict[str, float] = {}
    for ev in events:
        scope = str(ev.data.get("scope", "plan"))
        out[scope] = out.get(scope, 0.0) + float(ev.data.get("usd") or 0.0)
    return out


def standings(
    lims: Iterable[Limit], costs: Mapping[str, float], raised: Mapping[str, float]
) -> list[Standing]:
    out: list[Standing] = []
    for lim in lims:
        spent = math.fsum(costs.get(e, 0.0) for e in lim.efforts)
        out.append(Standing(lim, spent, raised.get(lim.scope, 0.0)))
    return out


def held(stands: Iterable[Standing]) -> dict[str, str]:
    """Efforts that may not start an agent, and why: in a scope over a pause or stop budget."""
    out: dict[str, str] = {}
    for s in stands:
        if s.exceeded and s.limit.on_exceed in ("pause", "stop"):
            why = s.reason()
            for e in s.limit.efforts:
                out.setdefault(e, why)
    return out


def costs_of(views: Mapping[str, EffortView]) -> dict[str, float]:
    return {k: v.cost for k, v in views.items()}


def left_for(plan: Plan, effort: str, store: Store) -> float | None:
    """What the effort may still spend under every pause or stop limit that covers it, or
    None. A warn budget only warns: it never caps an agent."""
    mine = [lim for lim in limits(plan) if effort in lim.efforts and lim.on_exceed != "warn"]
    if not mine:
        return None
    stands = standings(mine, costs_of(store.efforts()), raises(store.events(kinds=[RAISED])))
    return max(0.0, min(s.left for s in stands))


def crossing_item(s: Standing) -> dict[str, Any]:
    """The `budget.exceeded` event of a standing, keyed so each crossing is stored once."""
    effort = s.limit.efforts[0] if s.limit.scope.startswith("effort:") else None
    return {
        "kind": EXCEEDED,
        "effort": effort,
        "key": s.key,
        "data": {**s.to_json(), "reason": s.reason()},
    }


def scope_of(plan_phases: Iterable[str], plan_efforts: Iterable[str], effort: str | None,
             phase: str | None) -> str:  # fmt: skip
    if effort and phase:
        raise UsageError("give --effort or --phase, not both")
    if effort:
        if effort not in set(plan_efforts):
            raise InputError(f"unknown effort {effort!r}")
        return f"effort:{effort}"
    if phase:
        if phase not in set(plan_phases):
            raise InputError(f"unknown phase {phase!r}")
        return f"phase:{phase}"
    return "plan"


def raise_budget(
    store: Store, lims: list[Limit], scope: str, usd: float, reason: str, by: str
) -> Event:
    """Record a raise of `usd` dollars for `scope`; it must have a budget and a reason."""
    if not math.isfinite(usd) or usd <= 0:
        raise UsageError(f"--raise: expected a positive amount of USD, got {usd:g}")
    if not reason.strip():
        raise UsageError("--reason: say why the budget is raised")
    if not any(lim.scope == scope for lim in lims):
        where = scope.replace(":", " ")
        raise InputError(f"{where} has no budget to raise (set budget: in the plan)")
    ev = store.append(
        RAISED,
        effort=scope.partition(":")[2] if scope.startswith("effort:") else None,
        data={"scope": scope, "usd": usd, "reason": reason.strip(), "by": by},
    )
    assert ev is not None  # no key given: never a duplicate
    return ev


def report(store: Store, lims: list[Limit]) -> dict[str, Any]:
    """Every limit's standing and the efforts held, as status and `phasegate budget` show."""
    with store.consistent():
        views = store.efforts()
        raised = raises(store.events(kinds=[RAISED]))
        crossed = {ev.key: ev.ts for ev in store.events(kinds=[EXCEEDED])}
    stands = standings(lims, costs_of(views), raised)
    return {
        "limits": [{**s.to_json(), "crossed_at": crossed.get(s.key)} for s in stands],
        "held": held(stands),
    }


def escalation_items(rep: Mapping[str, Any], lims: Iterable[Limit]) -> list[Any]:
    """Each scope over its budget, as an escalation item of the budget's severity. Money
    already spent has no response time to wait out: the item is due when it crossed."""
    from phasegate.tracking.escalation import Item

    by_scope = {lim.scope: lim for lim in lims}
    out: list[Item] = []
    for row in rep["limits"]:
        since = row.get("crossed_at")
        if not row["exceeded"] or since is None:
            continue
        lim = by_scope[row["scope"]]
        effort = lim.efforts[0] if lim.scope.startswith("effort:") else None
        text = (f"budget of {lim.label} exceeded: {row['spent']:.2f} of {row['cap']:.2f} USD "
                f"spent ({lim.on_exceed})")  # fmt: skip
        out.append(Item(f"budget:{lim.scope}", "budget", lim.severity, text, effort,
                        float(since), False, float(since)))  # fmt: skip
    return out


class Watch:
    """The run's eye on its budgets: which efforts are held, and which crossings are new.

    Each crossing is stored once (its key names the scope and the limit crossed), however
    many runs see it; a raise makes a new limit, whose crossing is a new event.
    """

    def __init__(self, plan: Plan, store: Store) -> None:
        self.plan = plan
        self.store = store
        self.limits = limits(plan)
        self.known: set[str] = set()
        if self.limits:
            self.known = {ev.key for ev in store.events(kinds=[EXCEEDED])}

    def check(self, views: Mapping[str, EffortView]) -> tuple[dict[str, str], list[Event]]:
        """(efforts held and why, crossings stored just now)."""
        if not self.limits:
            return {}, []
        stands = standings(self.limits, costs_of(views),
                           raises(self.store.events(kinds=[RAISED])))  # fmt: skip
        fresh: list[Event] = []
        for s in stands:
            if s.exceeded and s.key not in self.known:
                self.known.add(s.key)
                item = crossing_item(s)
                ev = self.store.append(EXCEEDED, effort=item["effort"], key=item["key"],
                                       data=item["data"])  # fmt: skip
                if ev is not None:
                    fresh.append(ev)
        return held(stands), fresh

    def stopping(self, crossing: Event) -> tuple[str, ...]:
        """The efforts whose running agents a crossing stops (none unless `on_exceed: stop`)."""
        if crossing.data.get("on_exceed") != "stop":
            return ()
        scope = str(crossing.data.get("scope"))
        return next((lim.efforts for lim in self.limits if lim.scope == scope), ())

    def escalate(self, crossings: list[Event], cwd: str) -> list[str]:
        """Run the escalation matrix's notify command for the crossings' severity, once each."""
        from phasegate.tracking.escalation import notify_overdue
        from phasegate.tracking.facts import facts_of

        rep = {"limits": [{**c.data, "crossed_at": c.ts} for c in crossings]}
        items = escalation_items(rep, self.limits)
        if not items:
            return []
        import time

        return notify_overdue(self.store, facts_of(self.plan), items, time.time(), cwd=cwd)


def budgets(
    s: Session,
    *,
    raise_by: float | None = None,
    reason: str = "",
    effort: str | None = None,
    phase: str | None = None,
    by: str = "",
) -> dict[str, Any]:
    """`phasegate budget`: every limit's standing, after recording a raise if one is given
    (of the plan's budget, or the effort's or phase's)."""
    from phasegate.service.common import document

    lims = [Limit.from_json(d) for d in s.facts.budgets]
    raised = None
    if raise_by is not None:
        scope = scope_of([p.id for p in s.facts.phases], [e.id for e in s.facts.efforts],
                         effort, phase)  # fmt: skip
        ev = raise_budget(s.store, lims, scope, raise_by, reason, by)
        raised = {"scope": scope, "usd": raise_by, "seq": ev.seq}
    record_crossings(s.store, lims)
    return document("budget", {**report(s.store, lims), "raised": raised})


def record_crossings(store: Store, lims: list[Limit]) -> list[Event]:
    """Store the crossings of limits now exceeded (spending reported while no run was
    watching); each is stored once, whoever sees it first."""
    if not lims:
        return []
    stands = standings(lims, costs_of(store.efforts()), raises(store.events(kinds=[RAISED])))
    out: list[Event] = []
    for st in stands:
        if st.exceeded:
            item = crossing_item(st)
            ev = store.append(EXCEEDED, effort=item["effort"], key=item["key"], data=item["data"])
            if ev is not None:
                out.append(ev)
    return out
