"""phasegate clean: remove the worktrees of merged efforts, never one holding work."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 64


def register(app: typer.Typer) -> None:
    @app.command(
        "clean",
        help="Remove worktrees of merged efforts; refuse any holding unmerged or uncommitted work.",
        epilog=example(f"phasegate clean -f {EXAMPLE_PLAN}"),
    )
    def clean(
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
        include_ignored: Annotated[
            bool,
            typer.Option(
                "--include-ignored",
                help="Also remove worktrees holding git-ignored files, and those files.",
            ),
        ] = False,
    ) -> int:
        from phasegate.cli.common import emit_json, load
        from phasegate.engine.cleanup import clean_worktrees

        loaded = load(plan, quiet=as_json)
        done = clean_worktrees(
            loaded.plan, loaded.path, loaded.state_dir, db, include_ignored=include_ignored
        )
        if as_json:
            emit_json("clean", done.to_json())
        else:
            for e in done.removed:
                print(f"removed worktree of {e}")
            for e, r in done.kept:
                print(f"kept worktree of {e}: {r}")
            if not done.removed and not done.kept:
                print("no effort worktrees to clean")
        return 1 if done.kept else 0
