"""Phase entry checks and gate evaluation, with their evidence stored as events."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate import gates
from phasegate.conflicts.rejudge import rejudge
from phasegate.engine import crash
from phasegate.plan.model import Check, Phase, Plan
from phasegate.store import Store


@dataclass(frozen=True)
class GateVerdict:
    passed: bool
    reasons: list[str]
    evidence: list[dict[str, Any]]
    figures: dict[str, Any]


def run_in(
    checks: list[Check], cwd: Path, env: dict[str, str], own: Path | None
) -> list[gates.CheckOutcome]:
    """Run checks; in a checkout phasegate owns (`own`, the integration worktree), remove
    the untracked files they created, and only those: a merge must not trip over their
    output, and files a person left there are not phasegate's to delete."""
    if own is None or not own.is_dir():
        return gates.run_checks(checks, cwd=cwd, extra_env=env)
    from phasegate.git import toplevel
    from phasegate.git.worktrees import untracked_files

    before = untracked_files(own)
    outcomes = gates.run_checks(checks, cwd=cwd, extra_env=env)
    root = toplevel(own)
    for rel in sorted(untracked_files(own) - before):
        target = root / rel
        with contextlib.suppress(OSError):
            target.unlink()
        # Directories the checks created and left empty go too, up to the first one kept.
        parent = target.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            with contextlib.suppress(OSError):
                parent.rmdir()
            parent = parent.parent
    return outcomes


def run_entry(
    store: Store, phase: Phase, cwd: Path, env: dict[str, str], own: Path | None = None
) -> list[gates.CheckOutcome]:
    outcomes = run_in(phase.entry, cwd, env, own)
    for o in outcomes:
        store.append("check.result", phase=phase.id, data=o.event_data("phase-entry"))
    return outcomes


def evaluate_gate(
    plan: Plan, store: Store, phase: Phase, cwd: Path, env: dict[str, str], own: Path | None = None
) -> GateVerdict:
    """Run the gate's checks and judge its requirements; records `gate.evaluated`."""
    outcomes = run_in(phase.gate.checks, cwd, env, own)
    evidence = [o.event_data("gate") for o in outcomes]
    # One transaction for the evidence: a crash leaves all of it or none.
    store.append_many([{"kind": "check.result", "phase": phase.id, "data": d} for d in evidence])
    reasons = [f"gate check '{o.name}' failed ({o.why})" for o in outcomes if not o.passed]
    # Findings recorded earlier may have been fixed since: only those still standing count.
    rejudge(_repo(cwd), plan, store)
    req_reasons, figures = gates.requirement_reasons(phase, gates.gate_facts(plan, phase, store))
    reasons += req_reasons
    verdict = GateVerdict(not reasons, reasons, evidence, figures)
    store.append(
        "gate.evaluated",
        phase=phase.id,
        data={
            "passed": verdict.passed,
            "reasons": reasons,
            "evidence": evidence,
            "requirements": figures,
        },
    )
    crash.point("gate-evaluated")
    return verdict


def _repo(cwd: Path) -> Path | None:
    from phasegate import git
    from phasegate.errors import GitError

    try:
        return git.toplevel(cwd)
    except GitError:
        return None


def close_gate(
    plan: Plan,
    store: Store,
    phase: Phase,
    cwd: Path,
    env: dict[str, str],
    own: Path | None = None,
    repo: Path | None = None,
) -> GateVerdict:
    """open/failed -> gating -> passed|failed, as the run loop and `phasegate gate` do.

    With `repo` (a run with worktrees), the integration branch is verified first: a gate
    passed over work that is no longer there would be a lie (IntegrityError)."""
    if repo is not None:
        from phasegate.engine.integrity import guard

        guard(repo, plan, store)
    state = store.phases().get(phase.id)
    if state is None or state.state != "gating":
        store.phase_transition(phase.id, "gating", reason="evaluating gate")
    crash.point("gating")
    verdict = evaluate_gate(plan, store, phase, cwd, env, own)
    if verdict.passed:
        store.phase_transition(phase.id, "passed", reason="gate passed")
    else:
        store.phase_transition(phase.id, "failed", reason="; ".join(verdict.reasons))
    return verdict
