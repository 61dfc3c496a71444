"""phasegate resolve-blocker: close a blocker once what it reported no longer stands."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

ORDER = 74


def register(app: typer.Typer) -> None:
    @app.command(
        "resolve-blocker",
        help="Mark a blocker (B2) resolved; 'phasegate ack B2 --resolve' does the same and "
        "also acknowledges it. A blocker closes by itself when its effort is done.",
        epilog=example(f"phasegate resolve-blocker B2 -f {EXAMPLE_PLAN}"),
    )
    def resolve_blocker(
        blocker: Annotated[str, typer.Argument(help="Blocker id, as 'phasegate status' shows it.")],
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.service.blockers import resolve_blocker as resolve
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            done = resolve(s, blocker.strip().upper(), by=actor())
        print(
            f"{done.blocker} was already resolved" if done.already else f"{done.blocker} resolved"
        )
        return 0
