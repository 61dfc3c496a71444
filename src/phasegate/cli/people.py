"""phasegate start | done | block | unblock | ack: state changes made by people.

They go through the same transition rules (phasegate.states) as the run engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

if TYPE_CHECKING:
    from pathlib import Path

    from phasegate.engine.workspace import Workspace
    from phasegate.plan.model import Effort
    from phasegate.tracking.session import Session

ORDER = 73

EffortArg = Annotated[str, typer.Argument(help="Effort id.")]


def _workspace(s: Session, effort: str, db: str | None) -> tuple[Effort, Workspace]:
    """The effort as planned, and the workspace its checks judge the work in: the effort's
    worktree while a run with worktrees has one, else the plan's directory."""
    from phasegate.engine.workspace import effort_workspace
    from phasegate.errors import StateError
    from phasegate.plan.load import load_plan
    from phasegate.store import db_path

    plan = load_plan(str(s.plan_path)).plan
    e = plan.effort(effort)
    ws = effort_workspace(plan, s.plan_path, s.state_dir, db_path(db, state_dir=s.state_dir), e)
    if not ws.effort_dir(e).is_dir():
        # Checks started there would fail for a reason that has nothing to do with the work.
        raise StateError(f"effort {effort}: its work directory {ws.effort_dir(e)} does not exist")
    return e, ws


def _no_merge_in_progress(where: Path, effort: str) -> None:
    from phasegate.errors import StateError
    from phasegate.service.conflicts import unfinished_merge

    left = unfinished_merge(where)
    if left is not None:
        still = f"; still conflicting: {', '.join(left)}" if left else ""
        raise StateError(
            f"effort {effort}: a merge is in progress in {where}{still}; resolve it and "
            "conclude it with 'git commit' first"
        )


def _run_checks(s: Session, effort: Effort, attempt: int, ws: Workspace) -> bool:
    """Run the effort's declared checks where its work is, recording each result, judged and
    set up exactly as the run engine's (exit status, metric thresholds, check environment)."""
    from phasegate import gates

    cwd = ws.effort_dir(effort)
    print(f"  checks run in {cwd}")
    ok = True
    for check in effort.checks:
        o = gates.run_check(check, cwd=cwd, extra_env=ws.check_env(effort))
        data = {**o.event_data("effort"), "cwd": str(cwd)}
        s.store.append("check.result", effort=effort.id, attempt=attempt, data=data)
        print(f"  check {check.label}: {'passed' if o.passed else f'FAILED ({o.why})'}")
        ok = ok and o.passed
    return ok


def register(app: typer.Typer) -> None:
    @app.command(
        "start",
        help="Mark an effort as started by you (its dependencies must be done).",
        epilog=example(f"phasegate start 8.1.1 -f {EXAMPLE_PLAN}"),
    )
    def start(
        effort: EffortArg,
        force: Annotated[bool, typer.Option(help="Start although dependencies are open.")] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.errors import StateError
        from phasegate.tracking.ready import blockers_of
        from phasegate.tracking.reports import effort_facts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            f = effort_facts(s.facts, effort)
            waits = blockers_of(f, s.facts, s.store.efforts(), s.store.phases())
            if waits and not force:
                raise StateError(f"effort {f.id} waits for {', '.join(waits)} (--force to start)")
            ev = s.store.transition(f.id, "running", reason=f"started by {actor()}")
        print(f"{f.id}: {ev.data['from']} -> running (attempt {ev.attempt})")
        return 0

    @app.command(
        "done",
        help="Mark an effort done; its checks must pass first (run in its worktree, if any).",
        epilog=example(f"phasegate done 8.1.1 -f {EXAMPLE_PLAN}"),
    )
    def done(
        effort: EffortArg,
        skip_checks: Annotated[
            bool, typer.Option("--skip-checks", help="Vouch for the work without running checks.")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.tracking.reports import effort_facts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            f = effort_facts(s.facts, effort)
            who = actor()
            if skip_checks or not f.checks:
                why = "checks skipped" if f.checks else "no checks declared"
                s.store.transition(f.id, "done", reason=f"marked done by {who} ({why})")
                print(f"{f.id}: done ({why})")
                return 0
            planned, ws = _workspace(s, f.id, db)
            _no_merge_in_progress(ws.effort_dir(planned), f.id)
            ev = s.store.transition(f.id, "checking", reason=f"checks requested by {who}")
            attempt = ev.attempt or 0
            if _run_checks(s, planned, attempt, ws):
                s.store.transition(f.id, "done", attempt=attempt, reason=f"checks passed ({who})")
                print(f"{f.id}: done")
                return 0
            s.store.transition(f.id, "rejected", attempt=attempt, reason="checks failed")
            print(f"{f.id}: rejected (checks failed; fix, then 'phasegate start {f.id}')")
            return 1

    @app.command(
        "block",
        help="Mark an effort blocked; the reason opens a blocker with a severity.",
        epilog=example(
            f"phasegate block 8.2.1 --reason 'waiting for API review' -f {EXAMPLE_PLAN}"
        ),
    )
    def block(
        effort: EffortArg,
        reason: Annotated[str, typer.Option(help="What blocks it.")],
        severity: Annotated[str, typer.Option(help="critical|high|medium|low.")] = "high",
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.tracking.reports import effort_facts
        from phasegate.tracking.reports import severity as check_severity
        from phasegate.tracking.session import actor, open_session

        sev = check_severity(severity)
        if not reason.strip():
            from phasegate.errors import InputError

            raise InputError("block: --reason must not be empty")
        with open_session(plan, db) as s:
            f = effort_facts(s.facts, effort)
            s.store.transition(f.id, "blocked", reason=reason)
            s.store.append(
                "blocker.opened",
                effort=f.id,
                data={"text": reason, "severity": sev, "by": actor(), "source": "block"},
            )
            opened = [b for b in s.store.blockers() if b.effort == f.id and b.open][-1]
        print(f"{f.id}: blocked ({opened.id}, {sev}): {reason}")
        return 0

    @app.command(
        "unblock",
        help="Clear a blocked effort: its open blockers are resolved and it goes back to work.",
        epilog=example(f"phasegate unblock 8.2.1 -f {EXAMPLE_PLAN}"),
    )
    def unblock(effort: EffortArg, plan: PlanOpt = None, db: DbOpt = None) -> int:
        from phasegate.errors import StateError
        from phasegate.tracking.reports import effort_facts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            f = effort_facts(s.facts, effort)
            v = s.store.effort(f.id)
            if v.state != "blocked":
                raise StateError(f"effort {f.id} is {v.state}, not blocked")
            last = s.store.events(effort=f.id, kinds=["effort.state"])[-1]
            back = str(last.data.get("from"))
            to = back if back in ("ready", "running") else "ready"
            s.store.transition(f.id, to, attempt=v.attempt, reason=f"unblocked by {actor()}")
            for b in s.store.blockers():
                if b.effort == f.id and b.open:
                    s.store.append(
                        "blocker.resolved", effort=f.id, data={"id": b.id, "by": actor()}
                    )
        print(f"{f.id}: blocked -> {to}")
        return 0

    @app.command(
        "ack",
        help="Acknowledge a blocker (B3) or a plan risk (R1), stopping its escalation clock.",
        epilog=example(f"phasegate ack B1 -f {EXAMPLE_PLAN}", "phasegate ack R2 --resolve"),
    )
    def ack(
        item: Annotated[str, typer.Argument(help="Blocker or risk id.")],
        resolve: Annotated[bool, typer.Option(help="Also mark the blocker resolved.")] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.errors import InputError
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            blockers = {b.id: b for b in s.store.blockers()}
            risks = {r.id for r in s.facts.risks}
            if item not in blockers and item not in risks:
                raise InputError(f"no blocker or risk {item!r} (see 'phasegate status')")
            who = actor()
            b = blockers.get(item)
            if item in s.store.acks():
                print(f"{item} was already acknowledged")
            else:
                s.store.append(
                    "blocker.ack", effort=b.effort if b else None, data={"id": item, "by": who}
                )
                print(f"{item} acknowledged by {who}")
            if resolve:
                if b is None:
                    raise InputError(f"{item} is a risk; only blockers can be resolved")
                if b.open:
                    s.store.append(
                        "blocker.resolved", effort=b.effort, data={"id": item, "by": who}
                    )
                print(f"{item} resolved")
        return 0
