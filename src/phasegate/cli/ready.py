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
        from phasegate.cli.common import emit_json, num
        from phasegate.tracking import ready as r
        from phasegate.tracking.session import open_session

        with open_session(plan, db) as s:
            efforts = s.store.efforts()
            phases = s.store.phases()
            found = r.ready(s.facts, efforts, phases)
            waits = r.waiting(s.facts, efforts, phases)
        rows = [
            {
                "id": f.id,
                "title": f.title,
                "priority": f.priority,
                "remaining_path": num(f.remaining),
                "state": efforts[f.id].state if f.id in efforts else "pending",
                "owner": f.owner,
                "phase": f.phase,
                "critical": f.critical,
            }
            for f in found
        ]
        if as_json:
            emit_json(
                "ready",
                {"ready": rows, "waiting": [{"id": w.effort, "on": w.on} for w in waits]},
            )
            return 0
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
                f"{len(waits)} more waiting; first: {waits[0].effort} on {', '.join(waits[0].on)}"
            )
        return 0
