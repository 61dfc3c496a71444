"""phasegate log: the event history."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 72


def _summary(kind: str, data: dict[str, object]) -> str:
    if kind in ("effort.state", "phase.state"):
        reason = f" ({data['reason']})" if data.get("reason") else ""
        return f"{data.get('from')} -> {data.get('to')}{reason}"
    skip = {"deliverables_total"}
    parts = []
    for k, v in data.items():
        if k in skip or v in (None, "", [], {}):
            continue
        parts.append(f"{k}={v}")
    return " ".join(parts)


def register(app: typer.Typer) -> None:
    @app.command(
        "log",
        help="The event history: transitions, reports with their contents, checks, gates.",
        epilog=example(f"phasegate log -f {EXAMPLE_PLAN} --effort 8.1.1", "phasegate log --json"),
    )
    def log(
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
        effort: Annotated[
            str | None, typer.Option("--effort", "-e", help="Only this effort.")
        ] = None,
        kind: Annotated[
            list[str] | None, typer.Option("--kind", "-k", help="Only this kind.")
        ] = None,
        last: Annotated[
            int | None, typer.Option("--last", "-n", help="Only the last N events.")
        ] = None,
    ) -> int:
        import time

        from phasegate.cli.common import emit_json
        from phasegate.service import queries
        from phasegate.tracking.session import open_session

        with open_session(plan, db) as s:
            events = queries.events(s, effort=effort, kinds=kind, last=last)
        if as_json:
            emit_json("log", {"events": [e.to_json() for e in events]})
            return 0
        for e in events:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.ts))
            who = e.effort or (f"phase {e.phase}" if e.phase else "-")
            att = f"#{e.attempt}" if e.attempt is not None else ""
            print(f"{e.seq:>6}  {when}  {e.kind:<16} {who}{att}  {_summary(e.kind, e.data)}")
        return 0
