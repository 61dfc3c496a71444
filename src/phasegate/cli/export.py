"""phasegate export: write the plan in another tool's format."""

from __future__ import annotations

import json
import sys

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

ORDER = 81
TARGETS = ("taskmaster",)


def register(app: typer.Typer) -> None:
    @app.command(
        "export",
        help="Write the plan as a Task Master tasks.json (tagged layout).",
        epilog=example(
            f"phasegate export --to taskmaster -f {EXAMPLE_PLAN} -o .taskmaster/tasks/tasks.json"
        ),
    )
    def export_cmd(
        to: str = typer.Option(..., "--to", help="Target format: taskmaster."),
        plan: PlanOpt = None,
        output: str | None = typer.Option(None, "-o", "--output", help="Write here, not stdout."),
        tag: str = typer.Option(
            "master", "--tag", help="Task Master tag to write the tasks under."
        ),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
        db: DbOpt = None,
    ) -> int:
        from phasegate.cli.common import load
        from phasegate.errors import UsageError
        from phasegate.exports import to_taskmaster

        if to not in TARGETS:
            raise UsageError(f"unknown export format {to!r}; choose one of: {', '.join(TARGETS)}")
        loaded = load(plan, quiet=True)
        from phasegate.service.history import effort_states

        states = effort_states(db, loaded.state_dir)
        data = to_taskmaster(loaded.plan, tag, states)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if output:
            from phasegate.cli.common import write_output

            write_output(output, text, force=force, loaded=loaded)
            print(f"wrote {output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
