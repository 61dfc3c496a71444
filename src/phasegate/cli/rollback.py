"""phasegate rollback: revert a merged effort on the integration branch, send it back for rework."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 210


def register(app: typer.Typer) -> None:
    @app.command(
        "rollback",
        help="Revert a merged effort (and its merged dependents) with new commits; mark them for rework.",
        epilog=example(f"phasegate rollback 8.1.2 -f {EXAMPLE_PLAN} --reason 'breaks placement'"),
    )
    def rollback(
        effort: Annotated[str, typer.Argument(help="The merged effort to roll back.")],
        reason: Annotated[
            str, typer.Option("--reason", help="Why; recorded with the rollback.")
        ] = "rolled back",
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import console, load, print_json
        from phasegate.service.conflicts import rollback as roll_back
        from phasegate.service.conflicts import rollback_document

        loaded = load(plan, quiet=as_json)
        done = roll_back(loaded, effort, reason=reason, db=db)
        if as_json:
            print_json(rollback_document(done))
            return 0
        c = console()
        for step in done.steps:
            if not step.merge:
                c.print(f"{step.effort} brought no changes to revert; it needs rework")
                continue
            c.print(
                f"reverted {step.effort} (merge {step.merge[:12]}) on {done.branch} "
                f"with {step.revert[:12]}; {step.effort} needs rework"
            )
        return 0
