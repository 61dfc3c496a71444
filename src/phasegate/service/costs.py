"""What the agents spent: per attempt, effort, phase and plan, and by agent or by day.

Every figure is added in whole micro-dollars, so the rows of any table add up to its total
exactly, and `status` and `phasegate costs` (which share these functions) print the same
numbers. An effort's total is its projection (agents' own usage plus what reports claimed);
its attempts are the `agent.usage` events; what reports claimed beyond those is `reported`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from phasegate.errors import UsageError

if TYPE_CHECKING:
    from phasegate.store import EffortView, Event, Store
    from phasegate.tracking.session import Session

USAGE = "agent.usage"
BY = ("effort", "phase", "agent", "day")


def micro(usd: float) -> int:
    x = float(usd)
    if abs(x) < 1e12:
        return round(x * 1_000_000)
    # Through the decimal text, so that a cost near the largest float does not overflow.
    from decimal import Decimal

    return round(Decimal(repr(x)) * 1_000_000)


def usd(m: int) -> float:
    return round(m / 1_000_000, 6)


@dataclass(frozen=True)
class AttemptCost:
    effort: str
    attempt: int
    cost: int  # micro-USD
    tokens: int
    data: dict[str, Any]
    ts: float

    def to_json(self) -> dict[str, Any]:
        d = self.data
        return {
            "attempt": self.attempt,
            "cost": usd(self.cost),
            "tokens": self.tokens,
            "tokens_in": d.get("tokens_in", 0),
            "tokens_out": d.get("tokens_out", 0),
            "tokens_cached": d.get("tokens_cached", 0),
            "agent": d.get("kind"),
            "model": d.get("model"),
            "estimated": bool(d.get("estimated")),
            "priced": bool(d.get("priced", True)),
            "turns": d.get("turns"),
            "session": d.get("session"),
            "error": d.get("error"),
        }


def attempt_costs(events: Iterable[Event]) -> dict[str, list[AttemptCost]]:
    out: dict[str, list[AttemptCost]] = {}
    for ev in events:
        if ev.effort is None:
            continue
        row = AttemptCost(ev.effort, ev.attempt or 0, micro(float(ev.data.get("cost") or 0)),
                          int(ev.data.get("tokens") or 0), ev.data, ev.ts)  # fmt: skip
        out.setdefault(ev.effort, []).append(row)
    return out


@dataclass
class Costs:
    efforts: list[dict[str, Any]] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    tokens: int = 0
    usage: dict[str, list[AttemptCost]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": "USD",
            "total": usd(self.total),
            "tokens": self.tokens,
            "phases": self.phases,
            "efforts": self.efforts,
        }


def summarise(
    order: Iterable[tuple[str, str | None]],
    views: Mapping[str, EffortView],
    usage_events: Iterable[Event],
) -> Costs:
    """`order`: (effort, phase) pairs in the order to show them."""
    usage = attempt_costs(usage_events)
    out = Costs(usage=usage)
    by_phase: dict[str, list[int]] = {}
    phase_order: list[str] = []
    for eid, phase in order:
        v = views.get(eid)
        total = micro(v.cost) if v is not None else 0
        tokens = v.tokens if v is not None else 0
        rows = sorted(usage.get(eid, []), key=lambda a: a.attempt)
        out.efforts.append({
            "id": eid, "phase": phase, "cost": usd(total), "tokens": tokens,
            "tries": v.attempt if v is not None else 0,
            "attempts": [a.to_json() for a in rows],
            "reported": usd(total - sum(a.cost for a in rows)),
        })  # fmt: skip
        out.total += total
        out.tokens += tokens
        if phase is not None:
            if phase not in by_phase:
                phase_order.append(phase)
                by_phase[phase] = [0, 0]
            by_phase[phase][0] += total
            by_phase[phase][1] += tokens
    out.phases = [{"id": p, "cost": usd(by_phase[p][0]), "tokens": by_phase[p][1]}
                  for p in phase_order]  # fmt: skip
    return out


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def table(costs: Costs, by: str, reports: Iterable[Event] = ()) -> list[dict[str, Any]]:
    """Rows of `phasegate costs --by BY`; their costs add up to `costs.total` exactly."""
    if by not in BY:
        raise UsageError(f"--by: expected one of {', '.join(BY)}, got {by!r}")
    if by == "effort":
        return [{"key": e["id"], "cost": e["cost"], "tokens": e["tokens"],
                 "attempts": e["tries"]} for e in costs.efforts]  # fmt: skip
    if by == "phase":
        rows = [{"key": p["id"], "cost": p["cost"], "tokens": p["tokens"]} for p in costs.phases]
        loose = [e for e in costs.efforts if e["phase"] is None]
        if loose:
            rows.append({"key": "(no phase)", "cost": usd(sum(micro(e["cost"]) for e in loose)),
                         "tokens": sum(e["tokens"] for e in loose)})  # fmt: skip
        return rows
    groups: dict[str, list[int]] = {}
    used = 0
    for rows_ in costs.usage.values():
        for a in rows_:
            name = (
                f"{a.data.get('kind') or 'agent'}/{a.data.get('model') or '?'}"
                if by == "agent" else _day(a.ts)
            )  # fmt: skip
            g = groups.setdefault(name, [0, 0])
            g[0] += a.cost
            g[1] += a.tokens
            used += a.cost
    rest = costs.total - used  # claimed by reports rather than read from the agents' output
    if by == "agent":
        if rest:
            groups.setdefault("reported", [0, 0])[0] += rest
    else:
        days: dict[str, int] = {}
        for ev in reports:
            c = micro(float(ev.data.get("cost") or 0))
            if c:
                days[_day(ev.ts)] = days.get(_day(ev.ts), 0) + c
        if days:
            # Rounding each report to micro-dollars can leave a micro-dollar between the sum
            # of the reports and the effort totals: the latest day carries it.
            last = max(days)
            days[last] += rest - sum(days.values())
        elif rest:
            days["(unknown day)"] = rest
        for d, c in days.items():
            groups.setdefault(d, [0, 0])[0] += c
    return [{"key": k, "cost": usd(g[0]), "tokens": g[1]} for k, g in sorted(groups.items())]


def of_store(store: Store, order: Iterable[tuple[str, str | None]]) -> Costs:
    with store.consistent():
        return summarise(order, store.efforts(), store.events(kinds=[USAGE]))


def report(
    store: Store, order: Iterable[tuple[str, str | None]], by: str = "effort"
) -> dict[str, Any]:
    """The totals, and the rows grouped `by`."""
    if by not in BY:
        raise UsageError(f"--by: expected one of {', '.join(BY)}, got {by!r}")
    with store.consistent():
        costs = summarise(order, store.efforts(), store.events(kinds=[USAGE]))
        reports = store.events(kinds=["report"]) if by == "day" else []
    return {**costs.to_json(), "by": by, "rows": table(costs, by, reports)}


def costs(s: Session, by: str = "effort") -> dict[str, Any]:
    """`phasegate costs`: what the agents spent, as its JSON document."""
    from phasegate.service.common import document

    return document("costs", report(s.store, [(f.id, f.phase) for f in s.facts.efforts], by))
