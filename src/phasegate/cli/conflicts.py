"""phasegate conflicts: predicted, actual (git) and scope-drift conflicts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, emit_json, example

if TYPE_CHECKING:
    from phasegate.conflicts import Drift
    from phasegate.conflicts.report import Report
    from phasegate.plan.load import LoadedPlan
    from phasegate.plan.model import Plan
    from phasegate.service.conflicts import Standing
    from phasegate.store import EffortView

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
        from phasegate import git
        from phasegate.conflicts import report as rep

        git.require_version()
        standing: Standing | None = None
        if branches:
            loaded = _optional_plan(plan, quiet=as_json)
            where = loaded.path.parent if loaded else Path.cwd()
            repo = git.toplevel(where)
            result = rep.for_branches(repo, branches, loaded.plan if loaded else None)
        else:
            from phasegate.cli.common import load

            loaded = load(plan, quiet=as_json)
            repo = git.toplevel(loaded.path.parent.resolve())
            views, recorded, standing = _recorded(db, loaded.state_dir, repo, loaded.plan)
            result = rep.for_plan(repo, loaded.plan, views)
            # Merged efforts' branches are no longer live; their drift is known from the run.
            seen = {d.effort for d in result.scope}
            result.scope += [d for d in recorded if d.effort not in seen]
        if as_json:
            emit_json("conflicts", {**result.to_json(), **(standing or _empty()).to_json()})
        else:
            _print(result)
            if standing is not None:
                _print_standing(standing)
        found = result.textual or (standing and (standing.conflicted or standing.open))
        return 1 if found else 0


def _optional_plan(option: str | None, *, quiet: bool) -> LoadedPlan | None:
    from phasegate.cli.common import load
    from phasegate.plan.discover import DEFAULT_PLAN

    if option is None and not Path(DEFAULT_PLAN).exists():
        import os

        if not os.environ.get("PHASEGATE_PLAN"):
            return None
    return load(option, quiet=quiet)


def _recorded(
    db: str | None, state_dir: Path, repo: Path, plan: Plan
) -> tuple[dict[str, EffortView] | None, list[Drift], Standing | None]:
    """Recorded effort states, scope drift, and conflicted efforts and findings, if the
    plan has a store yet."""
    from phasegate.conflicts import recorded_drift
    from phasegate.service.conflicts import standing
    from phasegate.store import db_path, open_store

    if db is None and not db_path(None, state_dir=state_dir).exists():
        return None, [], None  # nothing recorded yet: liveness comes from git alone
    with open_store(db, state_dir=state_dir) as store:
        return store.efforts(), recorded_drift(store), standing(repo, plan, store)


def _empty() -> Standing:
    from phasegate.service.conflicts import Standing

    return Standing()


def _print_standing(st: Standing) -> None:
    from phasegate.cli.common import console

    c = console()
    if st.conflicted:
        c.print(f"[bold red]conflicted efforts ({len(st.conflicted)})[/]")
        for x in st.conflicted:
            c.print(f"  {x.effort} ({x.branch}): {x.reason}")
            for f in x.files:
                c.print(f"      {f}")
            c.print(f"      settle it: phasegate resolve {x.effort}")
    if st.open:
        c.print(f"[bold red]open findings ({len(st.open)})[/]")
        for found in st.open:
            c.print(f"  {found.a} <> {found.b}: {', '.join(found.files)}")
    if st.resolved:
        c.print(f"resolved findings ({len(st.resolved)})")
        for r in st.resolved:
            c.print(f"  {r['a']} <> {r['b']}: {r['why']}")


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
    if not (r.textual or r.overlap or r.predicted or r.scope):
        c.print("no conflicts")
