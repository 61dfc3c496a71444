"""phasegate doc: the seeds' documents, generated from plan and state."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

ORDER = 75
KIND_HELP = "status | daily | weekly | handoff | wave-plan"


def register(app: typer.Typer) -> None:
    @app.command(
        "doc",
        help="Write a document as markdown: status, daily, weekly, handoff or wave-plan.",
        epilog=example(
            f"phasegate doc --kind wave-plan -f {EXAMPLE_PLAN} -o WAVE-PLAN.md",
            "phasegate doc --kind daily --templates my-templates/",
        ),
    )
    def doc(
        kind: Annotated[str, typer.Option("--kind", "-k", help=KIND_HELP)],
        out: Annotated[str | None, typer.Option("-o", "--out", help="File to write.")] = None,
        templates: Annotated[
            str | None,
            typer.Option(help="Directory of <kind>.md.j2 templates overriding the built-in ones."),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite a file phasegate did not write.")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.cli.common import load
        from phasegate.service.documents import document_text
        from phasegate.tracking.documents import KINDS

        if kind not in KINDS:
            from phasegate.errors import UsageError

            raise UsageError(f"unknown document kind {kind!r}: use one of {', '.join(KINDS)}")
        loaded = load(plan)
        text = document_text(loaded, kind, db=db, templates=templates)
        if out is None or out == "-":
            print(text, end="")
            return 0
        from phasegate.cli.common import DOC_MARK, write_output

        body = text if text.endswith("\n") else text + "\n"
        write_output(out, f"{body}\n{DOC_MARK}\n", force=force, loaded=loaded, mark=DOC_MARK)
        print(f"wrote {out} ({kind})")
        return 0
