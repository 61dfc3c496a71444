"""phasegate budget: where each budget stands, and raising one."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 73


def register(app: typer.Typer) -> None:
    @app.command(
        "budget",
        help="Budgets: limit, spent and left per scope; --raise records a raise with a reason.",
        epilog=example(
            f"phasegate budget -f {EXAMPLE_PLAN}",
            "phasegate budget --raise 20 --reason 'second pass on the parser'",
            "phasegate budget --raise 2 --effort 8.1.1 --reason 'flaky tests took retries'",
        ),
    )
    def budget(
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
        raise_by: Annotated[
            float | None, typer.Option("--raise", help="Add this many USD to the budget.")
        ] = None,
        reason: Annotated[str, typer.Option("--reason", help="Why (required with --raise).")] = "",
        effort: Annotated[
            str | None, typer.Option("--effort", help="The effort's budget (default: the plan's).")
        ] = None,
        phase: Annotated[str | None, typer.Option("--phase", help="The phase's budget.")] = None,
    ) -> int:
        from phasegate.cli.common import emit_json
        from phasegate.report.costs_text import render_budget
        from phasegate.service import budget as svc
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            lims = [svc.Limit.from_json(d) for d in s.facts.budgets]
            if raise_by is not None:
                scope = svc.scope_of([p.id for p in s.facts.phases],
                                     [e.id for e in s.facts.efforts], effort, phase)  # fmt: skip
                svc.raise_budget(s.store, lims, scope, raise_by, reason, actor())
                if not as_json:
                    print(f"budget of {scope.replace(':', ' ')} raised by {raise_by:g} USD")
            doc = svc.report(s.store, lims)
        if as_json:
            emit_json("budget", doc)
        else:
            print(render_budget(doc), end="")
        return 0
