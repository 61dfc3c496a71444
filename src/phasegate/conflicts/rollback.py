"""Rolling back merged efforts: which merges to revert, in which order, and what to record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.errors import InputError, StateError, UnknownId
from phasegate.states import PHASE_CLOSED, can_effort

if TYPE_CHECKING:
    from phasegate.plan.model import Plan
    from phasegate.store import Store


@dataclass(frozen=True)
class Step:
    effort: str
    merge: str  # "" when its branch brought no changes of its own: nothing to revert
    revert: str
    into: str


@dataclass
class Rollback:
    effort: str
    branch: str
    reason: str
    steps: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "effort": self.effort,
            "branch": self.branch,
            "reason": self.reason,
            "reverted": [
                {"effort": s.effort, "merge": s.merge, "revert": s.revert} for s in self.steps
            ],
            "rework": [s.effort for s in self.steps],
        }


def merges_to_revert(
    effort: str, dependents: list[str], merged: dict[str, tuple[str, str, int]]
) -> list[tuple[str, str, str]]:
    """(effort, merge commit, branch) to revert, newest merge first: the effort and every
    merged dependent, since a dependent's work was built on the effort's. `merged` maps an
    effort to (commit, branch merged into, sequence of the merge event). Pure."""
    chosen = [e for e in [effort, *dependents] if e in merged]
    chosen.sort(key=lambda e: merged[e][2], reverse=True)
    return [(e, merged[e][0], merged[e][1]) for e in chosen]


def roll_back(repo: Path, plan: Plan, store: Store, effort: str, reason: str) -> Rollback:
    """Revert the merge of `effort` and of its merged dependents on the integration branch
    (new commits, newest merge first), record `effort.unmerged` for each and send each
    to rework. Refuses, changing nothing, when the effort is not merged."""
    from phasegate.git.revert import Revert, revert_all
    from phasegate.plangraph import PlanGraph

    ids = {e.id for e in plan.efforts}
    if effort not in ids:
        raise UnknownId(f"unknown effort {effort!r}")
    views = store.efforts()
    view = views.get(effort)
    if view is None or not view.merged:
        raise InputError(f"effort {effort!r} is not merged: nothing to roll back")
    merged: dict[str, tuple[str, str, int]] = {}
    for ev in store.events(kinds=["effort.merged"]):
        e = ev.effort
        v = views.get(e) if e else None
        if e and v is not None and v.merged:
            into = str(ev.data.get("into") or plan.repo.integration)
            merged[e] = (str(ev.data.get("commit") or ""), into, ev.seq)
    if effort not in merged:
        raise StateError(f"effort {effort!r} is marked merged but its merge is not recorded")
    plan_graph = PlanGraph.of(plan)
    todo = merges_to_revert(effort, plan_graph.dependents(effort), merged)
    for e, _, _ in todo:
        state = views[e].state
        if not can_effort(state, "rework"):
            raise StateError(f"effort {e!r} is {state}: it cannot be sent back for rework")
    branch = merged[effort][1]
    others = [(e, into) for e, _, into in todo if into != branch]
    if others:
        raise StateError(
            f"effort {others[0][0]!r} was merged into {others[0][1]!r}, not {branch!r}; "
            "roll it back separately"
        )
    # An effort whose branch brought nothing of its own has no merge to revert; it still
    # goes back for rework with the others.
    undo = [(e, commit) for e, commit, _ in todo if commit]
    from phasegate.engine import crash
    from phasegate.engine.integrity import ROLLING_BACK

    # The intent first: reverts git made before a crash are then known as phasegate's own
    # (integrity), and a repeated rollback finds them instead of reverting again.
    merges = [c for _, c in undo]
    store.append(
        ROLLING_BACK, effort=effort, key=f"rollback:{effort}:{','.join(merges)}",
        data={"merges": merges, "efforts": [e for e, _, _ in todo], "reason": reason,
              "into": branch},
    )  # fmt: skip
    crash.point("rollback-intent")
    made = (
        revert_all(repo, branch, [Revert(c, _message(e, c, effort, reason)) for e, c in undo])
        if undo
        else []
    )
    crash.point("rollback-reverted")
    new_of = dict(zip([e for e, _ in undo], made, strict=True))
    result = Rollback(effort, branch, reason)
    for e, commit, into in todo:
        new = new_of.get(e, "")
        why = reason if e == effort else f"depends on {effort}, which was rolled back: {reason}"
        store.append(
            "effort.unmerged",
            effort=e,
            data={"revert_commit": new, "reason": why, "commit": commit, "into": into},
        )
        store.transition(e, "rework", reason=why, data={"revert_commit": new})
        result.steps.append(Step(e, commit, new, into))
    phases = {p: v.state for p, v in store.phases().items()}
    reopened: list[str] = []
    for e, _, _ in todo:
        p = plan.phase_of(plan.effort(e))
        if p is None or p in reopened:
            continue
        reopened.append(p)
        if phases.get(p) in PHASE_CLOSED:
            store.phase_transition(p, "open", reason=f"effort {e} was rolled back: {reason}")
            phases[p] = "open"
    # Phases that come after a reopened one may not run (nor stand passed) before it passes
    # again: they go back to waiting, and open again only through their own entry.
    for p in later_phases(plan, reopened):
        if phases.get(p, "waiting") != "waiting":
            store.phase_transition(
                p, "waiting", reason=f"phase {reopened[0]} reopened by the rollback of {effort}"
            )
            phases[p] = "waiting"
    return result


def later_phases(plan: Plan, roots: list[str]) -> list[str]:
    """Phases that come after any of `roots`, directly or through others, in plan order."""
    after = {p.id: set(plan.phase_after(k)) for k, p in enumerate(plan.phases)}
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for p, before in after.items():
            if p not in found and p not in roots and before & (found | set(roots)):
                found.add(p)
                grew = True
    return [p.id for p in plan.phases if p.id in found]


def _message(effort: str, commit: str, root: str, reason: str) -> str:
    head = f"Revert effort {effort}"
    why = reason if effort == root else f"it depends on {root}, rolled back: {reason}"
    from phasegate.git.revert import revert_marker

    return f"{head}\n\nRolled back by phasegate: {why}\n{revert_marker(commit)}"
