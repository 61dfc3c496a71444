"""phasegate schema: the JSON Schema of the plan format, for editors."""

from __future__ import annotations

import json

import typer

from phasegate.cli.common import example

ORDER = 90


def register(app: typer.Typer) -> None:
    @app.command(
        "schema",
        help="JSON Schema of the plan format, for editor completion and validation.",
        epilog=example("phasegate schema > phasegate.schema.json"),
    )
    def schema() -> int:
        from phasegate.plan.model import Plan

        doc = Plan.model_json_schema()
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["title"] = "phasegate plan"
        print(json.dumps(doc, indent=2))
        return 0
