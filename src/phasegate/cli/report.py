"""phasegate report: an agent's or person's progress report, stored once per key."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import DbOpt, PlanOpt, example

ORDER = 60


def register(app: typer.Typer) -> None:
    @app.command(
        "report",
        help="Record progress: deliverables done, blockers, metrics, handoff notes, cost.",
        epilog=example(
            'phasegate report 8.1.1 --task-done "AuthorizationChecker interface" --progress 40',
            "phasegate report --blocker 'no test cluster' --severity high --metric coverage=72",
            'echo \'{"progress": 80, "note": "types in pkg/x"}\' | phasegate report 8.1.1 --json',
        ),
    )
    def report(
        effort: Annotated[
            str | None,
            typer.Argument(
                envvar="PHASEGATE_EFFORT", help="Effort id (default $PHASEGATE_EFFORT)."
            ),
        ] = None,
        task_done: Annotated[
            list[str] | None,
            typer.Option("--task-done", "-t", help="A deliverable finished, by name or number."),
        ] = None,
        progress: Annotated[str | None, typer.Option(help="Percent done, 0-100.")] = None,
        blocker: Annotated[
            list[str] | None, typer.Option("--blocker", "-b", help="Something blocking you.")
        ] = None,
        severity: Annotated[
            str | None, typer.Option(help="Blocker severity: critical|high|medium|low.")
        ] = None,
        metric: Annotated[
            list[str] | None, typer.Option("--metric", "-m", help="A plan metric, KEY=VALUE.")
        ] = None,
        note: Annotated[
            str | None, typer.Option(help="Handoff note for dependent efforts.")
        ] = None,
        cost: Annotated[
            str | None, typer.Option(help="Cost of this work in USD (added up).")
        ] = None,
        tokens: Annotated[str | None, typer.Option(help="Tokens used (added up).")] = None,
        key: Annotated[
            str | None, typer.Option(help="Idempotency key: a report with a stored key is ignored.")
        ] = None,
        from_json: Annotated[
            bool, typer.Option("--json", help="Read the report as a JSON object from stdin.")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        import sys

        from phasegate.service import reports
        from phasegate.tracking.session import env_attempt, open_session

        base = None
        if from_json:
            # Bytes decoded here, not by the locale: text that is not UTF-8 reaches the report's
            # own checks, which name the field, instead of failing in the decoder.
            stream = getattr(sys.stdin, "buffer", None)  # a text-only stdin has none
            text = (
                stream.read().decode("utf-8", errors="surrogateescape")
                if stream is not None
                else sys.stdin.read()
            )
            base, json_effort, json_key = reports.parse_json(text)
            effort = effort or json_effort
            key = key if key is not None else json_key
        raw = reports.raw_report(
            tasks_done=task_done,
            progress=progress,
            blockers=blocker,
            severity=severity,
            metrics=metric,
            note=note,
            cost=cost,
            tokens=tokens,
            base=base,
        )
        attempt = env_attempt()
        with open_session(plan, db) as s:
            done = reports.report(s, effort, raw, attempt=attempt, key=key)
        if not done.stored:
            print(f"report for {done.effort} already stored (key {key}); nothing changed")
        else:
            print(f"report for {done.effort} stored (event {done.seq})")
        return 0
