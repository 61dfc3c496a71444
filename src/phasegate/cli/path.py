"""phasegate path: the critical path and the slack of every effort."""

from __future__ import annotations

import typer

from phasegate.cli.common import EXAMPLE_PLAN, JsonOpt, PlanOpt, console, emit_json, example, num

ORDER = 30


def register(app: typer.Typer) -> None:
    @app.command(
        "path",
        help="Critical path: the longest size-weighted chain, and slack per effort.",
        epilog=example(f"phasegate path -f {EXAMPLE_PLAN} --json"),
    )
    def path(plan: PlanOpt = None, as_json: JsonOpt = False) -> int:
        from rich.table import Table

        from phasegate.cli.common import load

        loaded = load(plan, quiet=as_json)
        p = loaded.plan
        g = loaded.graph
        a = g.analysis
        crit = g.critical_efforts()
        slack = g.slack()
        if as_json:
            emit_json(
                "path",
                {
                    "length": num(a.length),
                    "units": p.units,
                    "days": num(a.length / p.rate) if p.rate else None,
                    "efforts": crit,
                    "slack": {k: num(v) for k, v in slack.items()},
                    "earliest_start": {
                        n.id: num(a.earliest_start[i]) for i, n in enumerate(g.nodes)
                    },
                },
            )
            return 0
        c = console()
        days = f" = {a.length / p.rate:.1f} days at {num(p.rate)} {p.units}/day" if p.rate else ""
        c.print(f"[bold]critical path[/]: {' -> '.join(crit)}")
        c.print(f"[bold]length[/]: {num(a.length)} {p.units}{days}")
        t = Table()
        for col in ("effort", "size", "earliest start", "latest start", "slack"):
            t.add_column(col, justify="left" if col == "effort" else "right")
        on = set(crit)
        for i, n in enumerate(g.nodes):
            name = f"[bold red]{n.id}[/]" if n.id in on else n.id
            t.add_row(
                name,
                str(num(n.size)),
                str(num(a.earliest_start[i])),
                str(num(a.latest_start[i])),
                str(num(a.slack[i])),
            )
        c.print(t)
        return 0
