"""Phase gates: evaluating one now (closing the phase when it is due), or overriding it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phasegate.errors import UsageError

if TYPE_CHECKING:
    from phasegate.engine.phases import GateVerdict
    from phasegate.plan.load import LoadedPlan
    from phasegate.plan.model import Phase
    from phasegate.store import Store


def phase_of(loaded: LoadedPlan, phase: str) -> Phase:
    found = [x for x in loaded.plan.phases if x.id == phase]
    if not found:
        known = ", ".join(x.id for x in loaded.plan.phases) or "none"
        raise UsageError(f"unknown phase {phase!r} (phases: {known})")
    return found[0]


def override(loaded: LoadedPlan, phase: str, *, reason: str, db: str | None) -> dict[str, Any]:
    """Let the run go on past a phase's gate; the reason is recorded with it."""
    from phasegate.store import open_store

    ph = phase_of(loaded, phase)
    if not reason.strip():
        raise UsageError("--override needs --reason TEXT")
    with open_store(db, state_dir=loaded.state_dir) as store:
        store.phase_transition(ph.id, "overridden", reason=reason)
        store.append("gate.override", phase=ph.id, data={"reason": reason})
    return {"schema": "phasegate.gate/1", "phase": ph.id, "state": "overridden", "reason": reason}


def gate(
    loaded: LoadedPlan, phase: str, *, db: str | None, worktrees: bool = True
) -> dict[str, Any]:
    """Evaluate a phase's gate on the integration branch (or beside the plan), recording the
    evidence; an open phase whose efforts are all finished is closed by the verdict."""
    from phasegate.store import open_store

    ph = phase_of(loaded, phase)
    with open_store(db, state_dir=loaded.state_dir) as store:
        verdict, state = _evaluate(loaded, store, ph, db, worktrees=worktrees)
    return {
        "schema": "phasegate.gate/1",
        "phase": ph.id,
        "state": state,
        "passed": verdict.passed,
        "reasons": verdict.reasons,
        "evidence": verdict.evidence,
        "requirements": verdict.figures,
    }


def _unfinished(loaded: LoadedPlan, store: Store, phase: Phase, *, worktrees: bool) -> list[str]:
    """The phase's efforts that are not done (and, with worktrees, merged), with state."""
    views = store.efforts()
    out: list[str] = []
    for e in loaded.plan.efforts:
        if loaded.plan.phase_of(e) != phase.id:
            continue
        v = views.get(e.id)
        if v is None or v.state != "done" or (worktrees and not v.merged):
            what = v.state if v else "pending"
            out.append(f"{e.id} ({'not merged' if what == 'done' else what})")
    return out


def _evaluate(
    loaded: LoadedPlan, store: Store, phase: Phase, db: str | None, *, worktrees: bool
) -> tuple[GateVerdict, str]:
    """Gate checks run on the integration branch when there is one, else beside the plan."""
    from dataclasses import replace

    from phasegate.engine.phases import close_gate, evaluate_gate
    from phasegate.engine.workspace import Workspace
    from phasegate.store import store_location

    dbp = store_location(db, state_dir=loaded.state_dir)
    try:
        ws = Workspace.open(loaded.plan, loaded.path, loaded.state_dir, dbp, worktrees=worktrees)
    except UsageError:
        ws = Workspace.open(loaded.plan, loaded.path, loaded.state_dir, dbp, worktrees=False)
    ws.prepare()
    if ws.worktrees:
        from phasegate.git.merge import integration_worktree

        assert ws.repo is not None
        r = loaded.plan.repo
        integration_worktree(ws.repo, ws.integration, r.integration, r.base)
    state = store.phases().get(phase.id)
    current = state.state if state else "waiting"
    unfinished = _unfinished(loaded, store, phase, worktrees=ws.worktrees)
    if current in {"open", "gating", "failed"} and unfinished:
        # A gate judges the phase's merged work; passing it early would open the next phase
        # over efforts still at work. Evidence only, and the state stays.
        verdict = evaluate_gate(loaded.plan, store, phase, ws.gate_dir(), ws.check_env())
        shown = ", ".join(unfinished[:5]) + (" ..." if len(unfinished) > 5 else "")
        why = f"{len(unfinished)} effort(s) of phase {phase.id} not finished: {shown}"
        return replace(verdict, passed=False, reasons=[why, *verdict.reasons]), current
    if current in {"open", "gating", "failed"}:
        verdict = close_gate(loaded.plan, store, phase, ws.gate_dir(), ws.check_env())
        return verdict, "passed" if verdict.passed else "failed"
    # Before the phase opens, or after it closed: evidence only, the state stays.
    return evaluate_gate(loaded.plan, store, phase, ws.gate_dir(), ws.check_env()), current
