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
        from phasegate.cli.common import print_json
        from phasegate.report.costs_text import render_budget
        from phasegate.service.budget import budgets
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            doc = budgets(s, raise_by=raise_by, reason=reason, effort=effort, phase=phase,
                          by=actor())  # fmt: skip
        if as_json:
            print_json(doc)
        else:
            print(render_budget(doc), end="")
        return 0
