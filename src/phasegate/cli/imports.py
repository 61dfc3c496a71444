"""phasegate import: convert another tool's plan file into a phasegate plan."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from phasegate.cli.common import example

ORDER = 80


def register(app: typer.Typer) -> None:
    @app.command(
        "import",
        help="Convert a Task Master, beads, Mermaid, markdown or STG file to a plan.",
        epilog=example(
            "phasegate import .taskmaster/tasks/tasks.json -o phasegate.yaml",
            "phasegate import plan.md --from markdown",
        ),
    )
    def import_cmd(
        source: str = typer.Argument(..., help="The file to convert."),
        fmt: str = typer.Option(
            "auto", "--from", help="auto, taskmaster, beads, mermaid, markdown or stg."
        ),
        output: str | None = typer.Option(None, "-o", "--output", help="Write here, not stdout."),
        tag: str = typer.Option("master", "--tag", help="Task Master tag to import."),
    ) -> int:
        from phasegate.imports import dump, read

        options: dict[str, str] = {}
        if tag != "master":
            options["tag"] = tag
        imported = read(source, fmt, **options)
        text = dump(imported)
        for w in imported.warnings:
            print(f"{source}: warning: {w}", file=sys.stderr)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            print(f"wrote {output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
