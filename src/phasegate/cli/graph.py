"""phasegate graph: the dependency graph as Mermaid, dot or JSON."""

from __future__ import annotations

from enum import StrEnum

import typer

from phasegate.cli.common import EXAMPLE_PLAN, PlanOpt, emit_json, example

ORDER = 40


class Format(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


def register(app: typer.Typer) -> None:
    @app.command(
        "graph",
        help="Dependency graph (mermaid, dot or json) with the critical path highlighted.",
        epilog=example(
            f"phasegate graph -f {EXAMPLE_PLAN} --format mermaid",
            "phasegate graph --format dot | dot -Tsvg > plan.svg",
        ),
    )
    def graph_cmd(
        plan: PlanOpt = None,
        fmt: Format = typer.Option(Format.mermaid, "--format", help="Output format."),
        as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    ) -> int:
        from phasegate.cli.common import load
        from phasegate.report import graphs

        loaded = load(plan, quiet=True)
        g = loaded.graph
        if as_json or fmt is Format.json:
            emit_json("graph", graphs.as_json(loaded.plan, g))
        elif fmt is Format.dot:
            print(graphs.dot(loaded.plan, g), end="")
        else:
            print(graphs.mermaid(loaded.plan, g), end="")
        return 0
