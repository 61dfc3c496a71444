"""phasegate ready: what can start now."""

from __future__ import annotations

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 71


def register(app: typer.Typer) -> None:
    @app.command(
        "ready",
        help="Efforts whose dependencies and phase entry are satisfied, in dispatch order.",
        epilog=example(f"phasegate ready -f {EXAMPLE_PLAN}", "phasegate ready --json"),
    )
    def ready(plan: PlanOpt = None, as_json: JsonOpt = False, db: DbOpt = None) -> int:
        from phasegate.cli.common import print_json
        from phasegate.service import queries
        from phasegate.tracking.session import open_session

        with open_session(plan, db) as s:
            doc = queries.ready(s)
        if as_json:
            print_json(doc)
            return 0
        rows, waits = doc["ready"], doc["waiting"]
        if not rows:
            print("nothing can start now")
        for row in rows:
            crit = " (critical path)" if row["critical"] else ""
            print(
                f"{row['id']}\t{row['priority']}\tremaining path {row['remaining_path']}"
                f"{crit}\t{row['title']}"
            )
        if waits:
            print(
                f"{len(waits)} more waiting; first: {waits[0]['id']} on {', '.join(waits[0]['on'])}"
            )
        return 0
