"""The run's side of interface contracts: verify a provider's contracts on the integration
branch after it merged, look for breaks before a later effort merges, and gather the used
contracts a consumer's brief quotes."""

from __future__ import annotations

from pathlib import Path

from phasegate.contracts.breaks import Provided, trial
from phasegate.contracts.record import (
    record_breaks,
    record_verification,
    standings,
    verified_attempt,
)
from phasegate.contracts.verify import Evidence, dir_reader, verify
from phasegate.engine.brief import UsedContract
from phasegate.engine.workspace import Workspace
from phasegate.plan.model import Effort, Plan
from phasegate.store import Store


def verify_provided(
    plan: Plan, store: Store, ws: Workspace, effort: Effort, attempt: int, commit: str | None
) -> list[Evidence]:
    """Judge the effort's contracts where its work now lives (the integration checkout, or
    the plan's directory without worktrees) and record the evidence, once per attempt."""
    if not effort.provides or verified_attempt(store, effort.id, attempt):
        return []
    root = ws.gate_dir()
    evidence = [ev for c in effort.provides if (ev := verify(c, dir_reader(root), cwd=root))]
    record_verification(store, effort.id, attempt, evidence, commit)
    return evidence


def merged_providers(plan: Plan, store: Store, effort: Effort) -> list[Provided]:
    """Contracts of the other efforts whose work is on the integration branch."""
    views = store.efforts()
    out: list[Provided] = []
    for e in plan.efforts:
        v = views.get(e.id)
        if e.id == effort.id or not e.provides or v is None or not v.merged:
            continue
        out += [Provided(e.id, plan.branch_of(e), c) for c in e.provides]
    return out


def find_breaks(plan: Plan, store: Store, ws: Workspace, effort: Effort) -> list[str]:
    """Contract breaks the effort's branch would bring into the integration branch,
    recorded as conflict findings; the reasons, empty when there are none."""
    provided = merged_providers(plan, store, effort)
    if not provided or ws.repo is None:
        return []
    branch = plan.branch_of(effort)
    t = trial(ws.repo, plan.repo.integration, branch, ws.plan_rel, provided)
    record_breaks(
        store, effort.id, branch,
        [(p.effort, p.branch, ev) for p, ev in t.broken],
        [p.contract.name for p in t.whole],
    )  # fmt: skip
    return [f"contract break: {p.contract.name} of {p.effort} ({ev.why})" for p, ev in t.broken]


def used_contracts(plan: Plan, store: Store, ws: Workspace, effort: Effort) -> list[UsedContract]:
    """Each contract the effort uses, with its definition as the integration branch holds
    it now (or why it cannot be shown)."""
    if not effort.uses:
        return []
    by_name: dict[str, tuple[Effort, int]] = {}
    for e in plan.efforts:
        for i, c in enumerate(e.provides):
            by_name.setdefault(c.name, (e, i))
    stand = standings(store)
    root: Path = ws.gate_dir()
    out: list[UsedContract] = []
    for use in effort.uses:
        found = by_name.get(use.name)
        if found is None:
            out.append(UsedContract(use.name, None, "", "", "no effort of the plan provides it"))
            continue
        provider, i = found
        c = provider.provides[i]
        where = c.path or (c.command if isinstance(c.command, str) else " ".join(c.command or []))
        s = stand.get((provider.id, c.name))
        ev = None if c.kind == "command" else verify(c, dir_reader(root))
        if ev is not None and ev.ok:
            out.append(UsedContract(use.name, provider.id, where, ev.excerpt, ""))
        elif s is not None and s.ok and c.kind == "command":
            out.append(UsedContract(use.name, provider.id, where, s.excerpt, ""))
        else:
            why = "not delivered yet" if s is None or s.ok is None else (s.why or "failed")
            if ev is not None and not ev.ok and s is not None and s.ok is not None:
                why = ev.why
            out.append(UsedContract(use.name, provider.id, where, "", why))
    return out
