"""phasegate conflicts: predicted, actual (git) and scope-drift conflicts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

if TYPE_CHECKING:
    from phasegate.conflicts.report import Report
    from phasegate.plan.load import LoadedPlan

ORDER = 120

BranchesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--branches",
        help="Analyse local branches matching this glob instead of the plan's live efforts "
        "('*' stops at '/', '**' crosses it); repeatable; works without a plan.",
    ),
]


def register(app: typer.Typer) -> None:
    @app.command(
        "conflicts",
        help="Predicted, actual (git) and scope-drift conflicts between parallel efforts.",
        epilog=example(
            f"phasegate conflicts -f {EXAMPLE_PLAN}",
            "phasegate conflicts --branches 'agent/*' --json",
        ),
    )
    def conflicts(
        plan: PlanOpt = None,
        branches: BranchesOpt = None,
        as_json: JsonOpt = False,
        db: DbOpt = None,
    ) -> int:
        from phasegate.cli.common import print_json
        from phasegate.service.conflicts import conflicts as find
        from phasegate.service.conflicts import document_of

        if branches:
            loaded = _optional_plan(plan, quiet=as_json)
        else:
            from phasegate.cli.common import load

            loaded = load(plan, quiet=as_json)
        result = find(loaded, db=db, branches=branches or ())
        if as_json:
            print_json(document_of(result))
        else:
            _print(result)
        return 1 if result.textual or result.contract_breaks else 0


def _optional_plan(option: str | None, *, quiet: bool) -> LoadedPlan | None:
    from phasegate.cli.common import load
    from phasegate.plan.discover import DEFAULT_PLAN

    if option is None and not Path(DEFAULT_PLAN).exists():
        import os

        if not os.environ.get("PHASEGATE_PLAN"):
            return None
    return load(option, quiet=quiet)


def _print(r: Report) -> None:
    from phasegate.cli.common import console

    c = console()
    c.print(
        f"[bold]{len(r.branches)}[/] branches, {r.pairs} pairs, "
        f"{len(r.overlap)} overlapping, {r.merged} trial merges"
    )
    if r.textual:
        c.print(f"[bold red]textual conflicts ({len(r.textual)})[/]")
        for t in r.textual:
            c.print(f"  {t.a} <> {t.b}: {', '.join(t.kinds)}")
            for f in t.files:
                c.print(f"      {f}")
    clean = [o for o in r.overlap if o.clean]
    if clean:
        c.print(f"[bold yellow]overlapping but merging cleanly ({len(clean)})[/]")
        for o in clean:
            c.print(f"  {o.a} <> {o.b}: {', '.join(o.files)}")
    if r.predicted:
        c.print(f"[bold yellow]predicted from the plan ({len(r.predicted)})[/]")
        for p in r.predicted:
            c.print(f"  {p.message()}")
    if r.scope:
        c.print(f"[bold yellow]scope drift ({len(r.scope)})[/]")
        for s in r.scope:
            c.print(f"  {s.effort} ({s.branch}) changed outside {', '.join(s.declared)}:")
            for f in s.files:
                c.print(f"      {f}")
    if r.contract_breaks:
        c.print(f"[bold red]contract breaks ({len(r.contract_breaks)})[/]")
        for b in r.contract_breaks:
            c.print(f"  {b['branch']} breaks {b['contract']}: {b['why']}")
    if not (r.textual or r.overlap or r.predicted or r.scope or r.contract_breaks):
        c.print("no conflicts")
