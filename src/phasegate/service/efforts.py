"""State changes people make to efforts: start, done, block, unblock.

They go through the same transition rules (phasegate.states) as the run engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from phasegate.errors import InputError, StateError
from phasegate.service.common import Say, quiet
from phasegate.tracking.ready import blockers_of
from phasegate.tracking.reports import effort_facts
from phasegate.tracking.reports import severity as check_severity
from phasegate.tracking.session import Session

if TYPE_CHECKING:
    from phasegate.engine.workspace import Workspace
    from phasegate.plan.model import Effort


@dataclass(frozen=True)
class Changed:
    """What a state change did: the effort, where it came from and where it went."""

    effort: str
    before: str
    after: str
    attempt: int | None = None
    why: str = ""  # the reason recorded with the last transition
    blocker: str | None = None  # the blocker `block` opened

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "phasegate.change/1",
            "effort": self.effort,
            "from": self.before,
            "to": self.after,
            "attempt": self.attempt,
            "reason": self.why,
            "blocker": self.blocker,
        }


def start(s: Session, effort: str, *, by: str, force: bool = False) -> Changed:
    """Start an effort by hand; its dependencies and phase entry must be satisfied unless
    `force`."""
    f = effort_facts(s.facts, effort)
    waits = blockers_of(f, s.facts, s.store.efforts(), s.store.phases())
    if waits and not force:
        raise StateError(f"effort {f.id} waits for {', '.join(waits)} (--force to start)")
    ev = s.store.transition(f.id, "running", reason=f"started by {by}")
    return Changed(f.id, str(ev.data["from"]), "running", ev.attempt, f"started by {by}")


def done(
    s: Session, effort: str, *, by: str, db: str | None, skip_checks: bool = False, say: Say = quiet
) -> Changed:
    """Mark an effort done: its declared checks run first where its work is, and decide
    between done and rejected (a rejection is a result, not an error)."""
    f = effort_facts(s.facts, effort)
    before = s.store.effort(f.id).state
    if skip_checks or not f.checks:
        why = "checks skipped" if f.checks else "no checks declared"
        ev = s.store.transition(f.id, "done", reason=f"marked done by {by} ({why})")
        return Changed(f.id, before, "done", ev.attempt, why)
    planned, ws = _workspace(s, f.id, db)
    ev = s.store.transition(f.id, "checking", reason=f"checks requested by {by}")
    attempt = ev.attempt or 0
    if _run_checks(s, planned, attempt, ws, say):
        s.store.transition(f.id, "done", attempt=attempt, reason=f"checks passed ({by})")
        return Changed(f.id, before, "done", attempt, "checks passed")
    s.store.transition(f.id, "rejected", attempt=attempt, reason="checks failed")
    return Changed(f.id, before, "rejected", attempt, "checks failed")


def _workspace(s: Session, effort: str, db: str | None) -> tuple[Effort, Workspace]:
    """The effort as planned, and the workspace its checks judge the work in: the effort's
    worktree while a run with worktrees has one, else the plan's directory."""
    from phasegate.engine.workspace import effort_workspace
    from phasegate.plan.load import load_plan
    from phasegate.store import store_location

    plan = load_plan(str(s.plan_path)).plan
    e = plan.effort(effort)
    where = store_location(db, state_dir=s.state_dir)
    ws = effort_workspace(plan, s.plan_path, s.state_dir, where, e)
    if not ws.effort_dir(e).is_dir():
        # Checks started there would fail for a reason that has nothing to do with the work.
        raise StateError(f"effort {effort}: its work directory {ws.effort_dir(e)} does not exist")
    return e, ws


def _run_checks(s: Session, effort: Effort, attempt: int, ws: Workspace, say: Say) -> bool:
    """Run the effort's declared checks where its work is, recording each result, judged and
    set up exactly as the run engine's (exit status, metric thresholds, check environment)."""
    from phasegate import gates

    cwd = ws.effort_dir(effort)
    say(f"  checks run in {cwd}")
    ok = True
    for check in effort.checks:
        o = gates.run_check(check, cwd=cwd, extra_env=ws.check_env(effort))
        data = {**o.event_data("effort"), "cwd": str(cwd)}
        s.store.append("check.result", effort=effort.id, attempt=attempt, data=data)
        say(f"  check {check.label}: {'passed' if o.passed else f'FAILED ({o.why})'}")
        ok = ok and o.passed
    return ok


def block(s: Session, effort: str, *, reason: str, severity: str, by: str) -> Changed:
    """Block an effort; the reason opens a blocker of `severity`."""
    sev = check_severity(severity)
    if not reason.strip():
        raise InputError("block: --reason must not be empty")
    f = effort_facts(s.facts, effort)
    ev = s.store.transition(f.id, "blocked", reason=reason)
    s.store.append(
        "blocker.opened",
        effort=f.id,
        data={"text": reason, "severity": sev, "by": by, "source": "block"},
    )
    opened = [b for b in s.store.blockers() if b.effort == f.id and b.open][-1]
    return Changed(f.id, str(ev.data["from"]), "blocked", ev.attempt, reason, opened.id)


def unblock(s: Session, effort: str, *, by: str) -> Changed:
    """Send a blocked effort back to where it was; its open blockers are resolved."""
    f = effort_facts(s.facts, effort)
    v = s.store.effort(f.id)
    if v.state != "blocked":
        raise StateError(f"effort {f.id} is {v.state}, not blocked")
    last = s.store.events(effort=f.id, kinds=["effort.state"])[-1]
    back = str(last.data.get("from"))
    to = back if back in ("ready", "running") else "ready"
    s.store.transition(f.id, to, attempt=v.attempt, reason=f"unblocked by {by}")
    for b in s.store.blockers():
        if b.effort == f.id and b.open:
            s.store.append("blocker.resolved", effort=f.id, data={"id": b.id, "by": by})
    return Changed(f.id, "blocked", to, v.attempt, f"unblocked by {by}")
