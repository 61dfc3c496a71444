"""phasegate waves: efforts grouped into waves that may run at the same time."""

from __future__ import annotations

import typer

from phasegate.cli.common import EXAMPLE_PLAN, JsonOpt, PlanOpt, console, emit_json, example, num

ORDER = 20


def register(app: typer.Typer) -> None:
    @app.command(
        "waves",
        help="Waves: generations of efforts that may run at the same time.",
        epilog=example(f"phasegate waves -f {EXAMPLE_PLAN}", "phasegate waves --json"),
    )
    def waves(plan: PlanOpt = None, as_json: JsonOpt = False) -> int:
        from rich.table import Table

        from phasegate.cli.common import load

        loaded = load(plan, quiet=as_json)
        p = loaded.plan
        g = loaded.graph
        groups = g.waves()
        if as_json:
            emit_json("waves", {"labelled": g.labelled, "waves": groups})
            return 0
        critical = set(g.critical_efforts())
        size = {e.id: e.size for e in p.efforts}
        phase = {e.id: p.phase_of(e) or "-" for e in p.efforts}
        t = Table(
            title=f"{p.project}: {len(groups)} waves" + (" (as labelled)" if g.labelled else "")
        )
        t.add_column("wave", justify="right")
        t.add_column("efforts")
        t.add_column("phase")
        t.add_column("parallel", justify="right")
        t.add_column(p.units, justify="right")
        for k, ids in enumerate(groups, 1):
            names = ", ".join(f"[bold red]{i}[/]" if i in critical else i for i in ids)
            phases = ", ".join(sorted({phase[i] for i in ids}))
            t.add_row(str(k), names, phases, str(len(ids)), str(num(sum(size[i] for i in ids))))
        c = console()
        c.print(t)
        c.print("[bold red]red[/]: on the critical path")
        return 0
