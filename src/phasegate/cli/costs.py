"""phasegate costs: what the agents spent, by effort, phase, agent or day."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 72


def register(app: typer.Typer) -> None:
    @app.command(
        "costs",
        help="What the agents spent (USD and tokens), by effort, phase, agent or day.",
        epilog=example(f"phasegate costs -f {EXAMPLE_PLAN}", "phasegate costs --by day --json"),
    )
    def costs(
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
        by: Annotated[
            str, typer.Option("--by", help="Group rows by effort, phase, agent or day.")
        ] = "effort",
    ) -> int:
        from phasegate.cli.common import print_json
        from phasegate.report.costs_text import render
        from phasegate.service.costs import costs as query
        from phasegate.tracking.session import open_session

        with open_session(plan, db) as s:
            doc = query(s, by)
        if as_json:
            print_json(doc)
        else:
            print(render(doc), end="")
        return 0
