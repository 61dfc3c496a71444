"""phasegate gate: evaluate a phase gate now, or record an override with its reason."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 62


def register(app: typer.Typer) -> None:
    @app.command(
        "gate",
        help="Evaluate a phase gate on the integration branch, or override it with a reason.",
        epilog=example(
            f"phasegate gate p8 -f {EXAMPLE_PLAN}",
            'phasegate gate p8 --override --reason "coverage tool broken; signed off by lead"',
        ),
    )
    def gate(
        phase: Annotated[str, typer.Argument(help="Phase id.")],
        override: Annotated[
            bool, typer.Option("--override", help="Let the run go on past this gate.")
        ] = False,
        reason: Annotated[
            str | None, typer.Option("--reason", help="Why (required with --override).")
        ] = None,
        no_worktrees: Annotated[
            bool, typer.Option("--no-worktrees", help="Run gate checks in the plan's directory.")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import console, load, print_json
        from phasegate.errors import UsageError
        from phasegate.service import phases

        loaded = load(plan, quiet=as_json)
        if override and not (reason and reason.strip()):
            phases.phase_of(loaded, phase)  # an unknown phase is the first thing to say
            raise UsageError("--override needs --reason TEXT")
        if reason and not override:
            phases.phase_of(loaded, phase)
            raise UsageError("--reason goes with --override")
        if override:
            assert reason is not None
            doc = phases.override(loaded, phase, reason=reason, db=db)
            if as_json:
                print_json(doc)
            else:
                print(f"phase {doc['phase']}: gate overridden ({reason}); 'phasegate run' goes on")
            return 0
        doc = phases.gate(loaded, phase, db=db, worktrees=not no_worktrees)
        if as_json:
            print_json(doc)
        else:
            from rich.table import Table

            c = console()
            t = Table(title=f"gate of phase {doc['phase']}")
            for col in ("check", "result", "exit", "seconds", "metric"):
                t.add_column(col)
            for ev in doc["evidence"]:
                metric = f"{ev['metric']} = {ev['value']}" if ev.get("metric") else ""
                mark = "[green]pass[/]" if ev["passed"] else f"[red]FAIL[/] {ev['why']}"
                t.add_row(ev["name"], mark, str(ev["exit_code"]), f"{ev['duration']:.2f}", metric)
            c.print(t)
            for r in doc["reasons"]:
                c.print(f"[red]-[/] {r}")
            verdict = "gate passed" if doc["passed"] else "gate FAILED"
            c.print(f"phase {doc['phase']}: {verdict} ({doc['state']})")
        return 0 if doc["passed"] else 1
