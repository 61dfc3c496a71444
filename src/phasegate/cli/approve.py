"""phasegate approve: a reviewer's sign-off on an effort."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

ORDER = 74


def register(app: typer.Typer) -> None:
    @app.command(
        "approve",
        help="Approve an effort in a reviewer role (checked against its reviewers).",
        epilog=example(f"phasegate approve 8.1.1 --as kernel-lead -f {EXAMPLE_PLAN}"),
    )
    def approve(
        effort: Annotated[str, typer.Argument(help="Effort id.")],
        role: Annotated[str, typer.Option("--as", help="The reviewer role you approve as.")],
        by: Annotated[str | None, typer.Option(help="Who approves (default $USER).")] = None,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.service import reviews
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            a = reviews.approve(s, effort, role=role, by=by or actor())
        if a.already:
            print(f"{a.effort} already approved as {role} by {a.by}")
        else:
            print(f"{a.effort} approved as {role} by {a.by}")
        if a.missing:
            print(f"still waiting for: {', '.join(a.missing)}")
        return 0
