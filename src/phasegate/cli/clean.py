"""phasegate clean: remove the worktrees of merged efforts, never one holding work."""

from __future__ import annotations

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 64


def register(app: typer.Typer) -> None:
    @app.command(
        "clean",
        help="Remove worktrees of merged efforts; refuse any holding unmerged or uncommitted work.",
        epilog=example(f"phasegate clean -f {EXAMPLE_PLAN}"),
    )
    def clean(plan: PlanOpt = None, as_json: JsonOpt = False, db: DbOpt = None) -> int:
        from phasegate.cli.common import load, print_json
        from phasegate.service.conflicts import clean as clean_worktrees

        loaded = load(plan, quiet=as_json)
        doc = clean_worktrees(loaded, db=db)
        removed: list[str] = doc["removed"]
        kept: list[dict[str, str]] = doc["kept"]
        if as_json:
            print_json(doc)
        else:
            for e in removed:
                print(f"removed worktree of {e}")
            for k in kept:
                print(f"kept worktree of {k['effort']}: {k['reason']}")
            if not removed and not kept:
                print("no effort worktrees to clean")
        return 1 if kept else 0
