"""phasegate status: where everything stands."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 70


def register(app: typer.Typer) -> None:
    @app.command(
        "status",
        help="Phases and gates, efforts by wave, critical-path slippage, metrics, escalations.",
        epilog=example(f"phasegate status -f {EXAMPLE_PLAN}", "phasegate status --json"),
    )
    def status(
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
        watch: Annotated[
            bool, typer.Option("--watch", help="Redraw on every new event until Ctrl-C.")
        ] = False,
        interval: Annotated[float, typer.Option(help="Most seconds between redraws.")] = 2.0,
        baseline: Annotated[
            list[str] | None,
            typer.Option(
                help="Regression baseline for a metric, KEY=VALUE (default: plan, "
                "else first value)."
            ),
        ] = None,
        notify: Annotated[
            bool,
            typer.Option(
                "--notify/--no-notify", help="Run the escalation notify command for overdue items."
            ),
        ] = True,
    ) -> int:
        import sys

        from phasegate.cli.common import print_json
        from phasegate.report.status_text import render
        from phasegate.service import queries
        from phasegate.tracking.session import open_session

        given = queries.baselines(baseline or [])
        with open_session(plan, db) as s:
            while True:
                seen = s.store.last_seq()
                st = queries.status(s, baselines=given, notify=notify)
                if as_json:
                    print_json(st)
                else:
                    if watch:
                        sys.stdout.write("\x1b[H\x1b[2J")
                    sys.stdout.write(render(st, colour=sys.stdout.isatty()))
                sys.stdout.flush()
                if not watch:
                    return 0
                # Redrawn as soon as anything is recorded (a server store wakes us the moment
                # another machine commits), and at least every interval for the clock's sake.
                s.store.wait_for_events(seen, max(0.2, interval))
