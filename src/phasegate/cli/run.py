"""phasegate run: carry out the plan; running it again resumes."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 60


def register(app: typer.Typer) -> None:
    @app.command(
        "run",
        help="Carry out the plan: agents in worktrees, checks, merges and gates; re-run resumes.",
        epilog=example(
            f"phasegate run -f {EXAMPLE_PLAN} --agents 3",
            "phasegate run --dry-run",
            "phasegate run --only 8.2.1 --no-worktrees",
        ),
    )
    def run(
        plan: PlanOpt = None,
        agents: Annotated[
            int | None, typer.Option("--agents", "-j", help="Agents at once (default: agents.max).")
        ] = None,
        only: Annotated[
            list[str] | None,
            typer.Option("--only", help="Run this effort (and what it needs); repeatable."),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print what would happen; change nothing.")
        ] = False,
        no_worktrees: Annotated[
            bool,
            typer.Option(
                "--no-worktrees",
                help="Run agents in the plan's directory: no branches or merges (non-code plans).",
            ),
        ] = False,
        retry: Annotated[
            bool,
            typer.Option("--retry", help="Try failed, rejected and conflicted efforts again."),
        ] = False,
        executor: Annotated[
            str | None,
            typer.Option(
                "--executor", help="Where agents run: local, or temporal (phasegate workers)."
            ),
        ] = None,
        temporal: Annotated[
            str | None,
            typer.Option("--temporal", help="Temporal frontend HOST:PORT (executor temporal)."),
        ] = None,
        plain: Annotated[
            bool, typer.Option("--plain", help="Plain log lines even on a terminal.")
        ] = False,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        import sys

        from phasegate.cli.common import console, emit_json, load
        from phasegate.engine import RunOptions, execute
        from phasegate.engine import dry_run as describe
        from phasegate.engine.live import LiveView, PlainView, View, wants_live

        loaded = load(plan, quiet=as_json)
        opts = RunOptions(
            agents, tuple(only or ()), not no_worktrees, retry, executor=executor, temporal=temporal
        )
        if dry_run:
            lines = describe(loaded.plan, loaded.path, loaded.state_dir, db, opts)
            if as_json:
                emit_json("run.dry", {"lines": lines})
            else:
                for line in lines:
                    print(line)
            return 0
        view: View
        if as_json:
            view = PlainView(sys.stderr)
        elif wants_live(sys.stdout) and not plain:
            view = LiveView(console())
        else:
            view = PlainView()
        try:
            result = execute(loaded.plan, loaded.path, loaded.state_dir, db, opts, view)
        except KeyboardInterrupt:
            print("agents still running keep going; 'phasegate run' again adopts them "
                  "(or finishes stopping them, if they were asked to stop)",
                  file=sys.stderr)  # fmt: skip
            raise
        if as_json:
            emit_json(
                "run",
                {
                    "ok": result.ok,
                    "reasons": result.reasons,
                    "efforts": result.efforts,
                    "phases": result.phases,
                    "elapsed": round(result.elapsed, 3),
                    "interrupted": result.interrupted,
                },
            )
        else:
            done = sum(1 for s in result.efforts.values() if s == "done")
            print(
                f"run {'finished' if result.ok else 'did not finish'}: {done}/"
                f"{len(result.efforts)} effort(s) done in {result.elapsed:.1f}s"
            )
            for r in result.reasons:
                print(f"  {r}")
        if result.interrupted:
            from phasegate.errors import EXIT_INTERRUPTED

            return EXIT_INTERRUPTED
        return 0 if result.ok else 1
