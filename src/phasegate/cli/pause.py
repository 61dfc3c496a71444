"""phasegate pause | resume: hold a run's new agents, and let them start again."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import DbOpt, PlanOpt, example

ORDER = 74


def register(app: typer.Typer) -> None:
    @app.command(
        "pause",
        help="Start no new agents until 'phasegate resume'; running ones finish. The run stays up.",
        epilog=example('phasegate pause --reason "waiting for the API review"'),
    )
    def pause(
        reason: Annotated[str, typer.Option(help="Why, shown in status and the web view.")] = "",
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.service import control
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            control.pause(s, by=actor(), reason=reason)
        print("paused: no new agents start until 'phasegate resume'")
        return 0

    @app.command(
        "resume",
        help="Let a paused run start agents again.",
        epilog=example("phasegate resume"),
    )
    def resume(plan: PlanOpt = None, db: DbOpt = None) -> int:
        from phasegate.service import control
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            control.resume(s, by=actor())
        print("resumed: agents start again")
        return 0
