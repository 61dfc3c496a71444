"""phasegate forecast: when the remaining work finishes, at the pace observed so far."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 71


def register(app: typer.Typer) -> None:
    @app.command(
        "forecast",
        help="Re-forecast from actuals: ETA P50/P80, slippage, critical efforts, where to add an agent.",
        epilog=example(
            f"phasegate forecast -f {EXAMPLE_PLAN}", "phasegate forecast --agents 4 --json"
        ),
    )
    def forecast_cmd(
        agents: Annotated[
            int | None, typer.Option("--agents", help="Agents for the rest (default: plan's max).")
        ] = None,
        runs: Annotated[int, typer.Option(help="Monte Carlo runs.")] = 1000,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import emit_json
        from phasegate.report.forecast_text import lines
        from phasegate.service.forecast import forecast
        from phasegate.tracking.session import open_session

        with open_session(plan, db) as s:
            fc = forecast(s.facts, s.store, agents=agents, runs=runs, seed=seed)
        if as_json:
            emit_json("forecast", fc)
        else:
            print("\n".join(lines(fc)))
        return 0
