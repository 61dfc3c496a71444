"""phasegate start | done | block | unblock | ack: state changes made by people.

They go through the same transition rules (phasegate.states) as the run engine.
"""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

ORDER = 73

EffortArg = Annotated[str, typer.Argument(help="Effort id.")]


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
        from phasegate.service import efforts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            c = efforts.start(s, effort, by=actor(), force=force)
        print(f"{c.effort}: {c.before} -> running (attempt {c.attempt})")
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
        from phasegate.service import efforts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            c = efforts.done(s, effort, by=actor(), db=db, skip_checks=skip_checks, say=print)
        if c.after == "rejected":
            print(f"{c.effort}: rejected (checks failed; fix, then 'phasegate start {c.effort}')")
            return 1
        if c.why in ("checks skipped", "no checks declared"):
            print(f"{c.effort}: done ({c.why})")
        else:
            print(f"{c.effort}: done")
        return 0

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
        from phasegate.service import efforts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            c = efforts.block(s, effort, reason=reason, severity=severity, by=actor())
        print(f"{c.effort}: blocked ({c.blocker}, {severity.strip().lower()}): {reason}")
        return 0

    @app.command(
        "unblock",
        help="Clear a blocked effort: its open blockers are resolved and it goes back to work.",
        epilog=example(f"phasegate unblock 8.2.1 -f {EXAMPLE_PLAN}"),
    )
    def unblock(effort: EffortArg, plan: PlanOpt = None, db: DbOpt = None) -> int:
        from phasegate.service import efforts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            c = efforts.unblock(s, effort, by=actor())
        print(f"{c.effort}: blocked -> {c.after}")
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
        from phasegate.service import blockers
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            a = blockers.ack(s, item, by=actor(), resolve=resolve)
        if a.already:
            print(f"{item} was already acknowledged")
        else:
            print(f"{item} acknowledged by {a.by}")
        if a.resolved:
            print(f"{item} resolved")
        return 0
