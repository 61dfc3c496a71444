"""phasegate replan: apply an edited plan to a run's recorded state."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 56


def register(app: typer.Typer) -> None:
    @app.command(
        "replan",
        help="Show how the plan differs from the one the store last ran, and apply it "
        "(new efforts scheduled, removed ones cancelled or kept merged, re-wired running "
        "work flagged).",
        epilog=example(f"phasegate replan -f {EXAMPLE_PLAN} --dry-run", "phasegate replan"),
    )
    def replan(
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Show the difference; record nothing.")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import emit_json, load
        from phasegate.service.replan import replan as revise

        rev = revise(load(plan, quiet=as_json), db=db, dry_run=dry_run)
        if as_json:
            emit_json("replan", rev.to_json() if rev else {"revision": None, "applied": False})
            return 0
        if rev is None:
            print("the plan is the one the store last ran: nothing to reconcile")
            return 0
        d, r = rev.diff, rev.plan
        verb = "applied" if rev.applied else "would apply"
        print(f"{verb} revision {rev.number} of the plan")
        for label, items in (
            ("added (scheduled)", d.added), ("removed", d.removed),
            ("phases added", d.phases_added), ("phases removed", d.phases_removed),
            ("gates changed", d.gates_changed), ("phases reordered", d.phases_reordered),
        ):  # fmt: skip
            if items:
                print(f"  {label}: {', '.join(items)}")
        for k, fields in d.changed.items():
            print(f"  changed {k}: {', '.join(fields)}")
        for k, w in d.rewired.items():
            wire = [f"+{x}" for x in w["added"]] + [f"-{x}" for x in w["removed"]]
            print(f"  re-wired {k}: {' '.join(wire)}")
        if r.cancel:
            print(f"  cancelled (removed, never finished): {', '.join(r.cancel)}")
        if r.kept_merged:
            print(f"  kept (removed after they were done; their work stays merged): "
                  f"{', '.join(r.kept_merged)}")  # fmt: skip
        for k, why in r.flagged.items():
            print(f"  FLAGGED {k}: {why}")
        return 0
