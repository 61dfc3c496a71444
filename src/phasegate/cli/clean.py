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
        from phasegate.cli.common import emit_json, load
        from phasegate.engine.cleanup import clean_worktrees

        loaded = load(plan, quiet=as_json)
        removed, kept = clean_worktrees(loaded.plan, loaded.path, loaded.state_dir, db)
        if as_json:
            emit_json(
                "clean",
                {"removed": removed, "kept": [{"effort": e, "reason": r} for e, r in kept]},
            )
        else:
            for e in removed:
                print(f"removed worktree of {e}")
            for e, r in kept:
                print(f"kept worktree of {e}: {r}")
            if not removed and not kept:
                print("no effort worktrees to clean")
        return 1 if kept else 0
