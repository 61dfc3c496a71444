"""phasegate import: convert another tool's plan file into a phasegate plan."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from phasegate.cli.common import DbOpt, example

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
        complexity: str | None = typer.Option(
            None, "--complexity", help="Task Master complexity report (default: found beside)."
        ),
        project: str | None = typer.Option(None, "--project", help="Project name for the plan."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
        record: bool = typer.Option(
            False, "--record", help="Also write the imported statuses to the state store."
        ),
        db: DbOpt = None,
    ) -> int:
        from phasegate.errors import EXIT_FINDINGS, PlanInvalid, UsageError
        from phasegate.imports import dump, read
        from phasegate.plan.load import load_text

        if output:
            from phasegate.cli.common import check_output

            check_output(output, force=force)
        if record and not output and not db:
            raise UsageError("--record needs -o PLAN (the store lives beside the plan) or --db")
        options: dict[str, str] = {}
        if tag != "master":
            options["tag"] = tag
        if complexity:
            options["complexity"] = complexity
        if project:
            options["project"] = project
        imported = read(source, fmt, **options)
        text = dump(imported)
        for w in imported.warnings:
            # "line N: text" from the importers reads as a compiler warning: file:N: warning: text
            where, sep, said = w.partition(": ")
            if sep and where.startswith("line ") and where[5:].isdigit():
                print(f"{source}:{where[5:]}: warning: {said}", file=sys.stderr)
            else:
                print(f"{source}: warning: {w}", file=sys.stderr)
        display = output or f"{source} (imported)"
        problems: list[str] = []
        try:
            load_text(text, display)
        except PlanInvalid as e:
            problems = e.lines()
        if output:
            from phasegate.cli.common import write_output

            write_output(output, text, force=force)
            print(f"wrote {output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        if problems:
            print("the imported plan does not validate; fix these:", file=sys.stderr)
            for line in problems:
                print(line, file=sys.stderr)
            return EXIT_FINDINGS
        if record and imported.state:
            from phasegate.imports.record import record_states

            state_dir = Path(output or ".").resolve().parent / ".phasegate"
            changed, skipped = record_states(
                imported.state, db=db, state_dir=state_dir, source=source
            )
            for msg in skipped:
                print(f"{source}: warning: {msg}", file=sys.stderr)
            print(f"recorded the status of {changed} effort(s)", file=sys.stderr)
        elif imported.state:
            print(
                f"{source}: note: {len(imported.state)} status(es) kept as comments in the plan "
                "header; --record writes them to the state store",
                file=sys.stderr,
            )
        return 0
