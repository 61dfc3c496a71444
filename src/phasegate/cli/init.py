"""phasegate init: write a commented starter plan, or import one from another tool."""

from __future__ import annotations

import typer

from phasegate.cli.common import example

ORDER = 5


def register(app: typer.Typer) -> None:
    @app.command(
        "init",
        help="Write a commented starter plan (or import one with --from FILE).",
        epilog=example("phasegate init", "phasegate init --from .taskmaster/tasks/tasks.json"),
    )
    def init(
        output: str = typer.Option("phasegate.yaml", "-o", "--output", help="Where to write."),
        source: str | None = typer.Option(
            None, "--from", help="Import this file (Task Master, beads, Mermaid, markdown, STG)."
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    ) -> int:
        from importlib.resources import files

        from phasegate.cli.common import check_output, write_output

        check_output(output, force=force)
        if source is not None:
            from phasegate.cli.common import import_to_yaml

            text = import_to_yaml(source, "auto")
        else:
            text = (files("phasegate") / "templates" / "init.yaml").read_text(encoding="utf-8")
        write_output(output, text, force=force)
        print(f"wrote {output}; next: phasegate check -f {output}")
        return 0
