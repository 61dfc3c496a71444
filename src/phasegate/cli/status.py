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
        watch: Annotated[bool, typer.Option("--watch", help="Redraw until Ctrl-C.")] = False,
        interval: Annotated[float, typer.Option(help="Seconds between redraws.")] = 2.0,
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
        import time

        from phasegate.cli.common import emit_json
        from phasegate.report.status_text import render
        from phasegate.service.forecast import status_forecast
        from phasegate.service.replan import latest as latest_revision
        from phasegate.tracking import escalation
        from phasegate.tracking.reports import number
        from phasegate.tracking.session import open_session
        from phasegate.tracking.status import project, snapshot

        baselines: dict[str, float] = {}
        for item in baseline or []:
            k, _, v = item.partition("=")
            baselines[k.strip()] = number(v, f"baseline {k.strip()}")
        with open_session(plan, db) as s:
            unknown = [k for k in baselines if s.facts.metric(k) is None]
            if unknown:
                from phasegate.errors import InputError

                raise InputError(f"unknown metric {unknown[0]!r} in --baseline")
            while True:
                now = time.time()
                snap = snapshot(s.store, now)
                st = project(s.facts, snap, baselines)
                st["forecast"] = status_forecast(s.facts, s.store, now, snap.efforts)
                st["revision"] = latest_revision(s.store)
                if notify:
                    items = escalation.live_items(
                        s.facts,
                        snap.blockers,
                        snap.efforts,
                        snap.acks,
                        snap.project_start,
                        snap.phase_opened,
                    )
                    sent = escalation.notify_overdue(
                        s.store, s.facts, items, now, cwd=str(s.plan_path.parent)
                    )
                    st["escalations"]["notified"] = sorted(
                        set(st["escalations"]["notified"]) | set(sent)
                    )
                if as_json:
                    emit_json("status", st)
                else:
                    if watch:
                        sys.stdout.write("\x1b[H\x1b[2J")
                    sys.stdout.write(render(st, colour=sys.stdout.isatty()))
                sys.stdout.flush()
                if not watch:
                    return 0
                time.sleep(max(0.2, interval))
