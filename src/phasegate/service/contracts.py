"""Interface contracts: where each stands (provider, consumers, verification, breaks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phasegate.contracts.match import providers
from phasegate.contracts.record import FINDING, RESOLVED, standings
from phasegate.plan.model import Plan
from phasegate.store import Store

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan


def open_breaks(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Contract name -> the open break findings against it (branch, provider, why)."""
    latest: dict[tuple[str, str], dict[str, Any] | None] = {}
    for ev in store.events(kinds=[FINDING, RESOLVED]):
        d = ev.data
        b = str(d.get("b", ""))
        if not b.startswith("contract:"):
            continue
        key = (str(d.get("a", "")), b)
        latest[key] = (
            {"branch": key[0], "effort": ev.effort, "why": d.get("why", "")}
            if (ev.kind == FINDING)
            else None
        )
    out: dict[str, list[dict[str, Any]]] = {}
    for (_, b), v in latest.items():
        if v is not None:
            out.setdefault(b.removeprefix("contract:"), []).append(v)
    return out


def contracts(plan: Plan, store: Store | None) -> dict[str, Any]:
    """Every contract the plan declares, provided or only used (`store` None: nothing has
    run yet)."""
    provides = {e.id: [c.name for c in e.provides] for e in plan.efforts}
    by_name = providers(provides)
    consumers: dict[str, list[str]] = {}
    for e in plan.efforts:
        for u in e.uses:
            consumers.setdefault(u.name, []).append(e.id)
    stand = standings(store) if store is not None else {}
    breaks = open_breaks(store) if store is not None else {}
    rows: list[dict[str, Any]] = []
    for e in plan.efforts:
        for c in e.provides:
            s = stand.get((e.id, c.name))
            rows.append({
                "name": c.name, "kind": c.kind, "provider": e.id,
                "path": c.path, "pattern": c.pattern,
                "command": c.command if c.command is None or isinstance(c.command, str)
                else " ".join(c.command),
                "consumers": consumers.get(c.name, []),
                "verified": None if s is None else s.ok,
                "why": "" if s is None else s.why,
                "at": None if s is None else s.ts,
                "breaks": breaks.get(c.name, []),
            })  # fmt: skip
    unprovided = sorted(n for n in consumers if n not in by_name)
    return {
        "contracts": rows,
        "unprovided": [{"name": n, "consumers": consumers[n]} for n in unprovided],
        "verified": sum(1 for r in rows if r["verified"] is True),
        "failed": sum(1 for r in rows if r["verified"] is False),
        "broken": sum(1 for r in rows if r["breaks"]),
    }


def contract_status(loaded: LoadedPlan, *, db: str | None) -> dict[str, Any]:
    """`phasegate contracts --json`: the plan's contracts against its store."""
    from phasegate.service.common import document
    from phasegate.store import db_path, open_store

    if db is None and not db_path(None, state_dir=loaded.state_dir).exists():
        return document("contracts", contracts(loaded.plan, None))  # nothing ran: no store made
    with open_store(db, state_dir=loaded.state_dir) as store:
        return document("contracts", contracts(loaded.plan, store))
