"""phasegate resolve: prepare a conflicted effort's failing merge for a person to finish."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, emit_json, example

ORDER = 121
_SHOWN = 40  # lines of each side printed per file


def register(app: typer.Typer) -> None:
    @app.command(
        "resolve",
        help="Redo a conflicted effort's failing merge in its worktree, stopped at the "
        "conflicts (markers in place): fix, 'git commit', then 'phasegate done EFFORT'.",
        epilog=example(f"phasegate resolve 8.1.2 -f {EXAMPLE_PLAN}", "phasegate done 8.1.2"),
    )
    def resolve(
        effort: Annotated[str, typer.Argument(help="The conflicted effort.")],
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.service.conflicts import resolve_conflict
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            p = resolve_conflict(s, effort, who=actor())
        if as_json:
            emit_json("resolve", {
                "effort": p.effort, "worktree": str(p.worktree), "with": p.other,
                "clean": p.clean,
                "files": [{"path": f.path, "ours": f.ours, "theirs": f.theirs} for f in p.files],
            })  # fmt: skip
            return 0
        if p.clean:
            print(f"{p.effort}: {p.other} merged cleanly into {p.worktree}; "
                  f"run 'phasegate done {p.effort}'")  # fmt: skip
            return 0
        print(
            f"{p.effort}: merging {p.other} in {p.worktree} stopped at {len(p.files)} conflict(s)"
        )
        for f in p.files:
            print(f"\n== {f.path}")
            for label, text in (("this branch", f.ours), (p.other, f.theirs)):
                lines = text.splitlines()
                print(f"-- {label}:")
                for line in lines[:_SHOWN]:
                    print(f"   {line}")
                if len(lines) > _SHOWN:
                    print(f"   ... {len(lines) - _SHOWN} more line(s)")
        print(f"\nFix the files, 'git add' them and 'git commit' in {p.worktree}, "
              f"then 'phasegate done {p.effort}'.")  # fmt: skip
        return 0
