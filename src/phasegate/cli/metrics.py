"""phasegate metrics: the plan's metrics against their targets, or (--process) how the way
of working performs."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 72


def register(app: typer.Typer) -> None:
    @app.command(
        "metrics",
        help="Plan metrics against their targets; --process: lead time, pass and rework rates, cost.",
        epilog=example(
            f"phasegate metrics -f {EXAMPLE_PLAN}", "phasegate metrics --process --json"
        ),
    )
    def metrics_cmd(
        proc: Annotated[
            bool, typer.Option("--process", help="Process metrics (seed 001's cross-phase).")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import emit_json
        from phasegate.service.process import plan_metrics, process
        from phasegate.tracking.session import open_session

        with open_session(plan, db) as s:
            doc = process(s.facts, s.store) if proc else plan_metrics(s.facts, s.store)
        if as_json:
            emit_json("process-metrics" if proc else "metrics", doc)
            return 0
        if proc:
            from phasegate.tracking.process import lines

            print("\n".join(lines(doc)))
            return 0
        for m in doc["metrics"]:
            latest = "-" if m["latest"] is None else f"{m['latest']:g}{m['unit']}"
            print(f"{m['id']}: {latest} (target {m['target'] or '-'}, {m['status']})")
        if not doc["metrics"]:
            print("no metrics declared")
        return 0
