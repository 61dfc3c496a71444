"""phasegate gate: evaluate a phase gate now, or record an override with its reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

if TYPE_CHECKING:
    from phasegate.engine.phases import GateVerdict
    from phasegate.plan.load import LoadedPlan
    from phasegate.plan.model import Phase
    from phasegate.store import Store

ORDER = 62


def register(app: typer.Typer) -> None:
    @app.command(
        "gate",
        help="Evaluate a phase gate on the integration branch, or override it with a reason.",
        epilog=example(
            f"phasegate gate p8 -f {EXAMPLE_PLAN}",
            'phasegate gate p8 --override --reason "coverage tool broken; signed off by lead"',
        ),
    )
    def gate(
        phase: Annotated[str, typer.Argument(help="Phase id.")],
        override: Annotated[
            bool, typer.Option("--override", help="Let the run go on past this gate.")
        ] = False,
        reason: Annotated[
            str | None, typer.Option("--reason", help="Why (required with --override).")
        ] = None,
        no_worktrees: Annotated[
            bool, typer.Option("--no-worktrees", help="Run gate checks in the plan's directory.")
        ] = False,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import console, emit_json, load
        from phasegate.errors import UsageError
        from phasegate.store import open_store

        loaded = load(plan, quiet=as_json)
        p = loaded.plan
        found = [x for x in p.phases if x.id == phase]
        if not found:
            known = ", ".join(x.id for x in p.phases) or "none"
            raise UsageError(f"unknown phase {phase!r} (phases: {known})")
        ph = found[0]
        if override and not (reason and reason.strip()):
            raise UsageError("--override needs --reason TEXT")
        if reason and not override:
            raise UsageError("--reason goes with --override")
        with open_store(db, state_dir=loaded.state_dir) as store:
            if override:
                assert reason is not None
                store.phase_transition(ph.id, "overridden", reason=reason)
                store.append("gate.override", phase=ph.id, data={"reason": reason})
                if as_json:
                    emit_json("gate", {"phase": ph.id, "state": "overridden", "reason": reason})
                else:
                    print(f"phase {ph.id}: gate overridden ({reason}); 'phasegate run' goes on")
                return 0
            verdict, state = _evaluate(loaded, store, ph, db, worktrees=not no_worktrees)
        if as_json:
            emit_json(
                "gate",
                {
                    "phase": ph.id,
                    "state": state,
                    "passed": verdict.passed,
                    "reasons": verdict.reasons,
                    "evidence": verdict.evidence,
                    "requirements": verdict.figures,
                },
            )
        else:
            from rich.table import Table

            c = console()
            t = Table(title=f"gate of phase {ph.id}")
            for col in ("check", "result", "exit", "seconds", "metric"):
                t.add_column(col)
            for ev in verdict.evidence:
                metric = f"{ev['metric']} = {ev['value']}" if ev.get("metric") else ""
                mark = "[green]pass[/]" if ev["passed"] else f"[red]FAIL[/] {ev['why']}"
                t.add_row(ev["name"], mark, str(ev["exit_code"]), f"{ev['duration']:.2f}", metric)
            c.print(t)
            for r in verdict.reasons:
                c.print(f"[red]-[/] {r}")
            c.print(
                f"phase {ph.id}: {'gate passed' if verdict.passed else 'gate FAILED'} ({state})"
            )
        return 0 if verdict.passed else 1


def _unfinished(loaded: LoadedPlan, store: Store, phase: Phase, *, worktrees: bool) -> list[str]:
    """The phase's efforts that are not done (and, with worktrees, merged), with state."""
    views = store.efforts()
    out: list[str] = []
    for e in loaded.plan.efforts:
        if loaded.plan.phase_of(e) != phase.id:
            continue
        v = views.get(e.id)
        if v is None or v.state != "done" or (worktrees and not v.merged):
            what = v.state if v else "pending"
            out.append(f"{e.id} ({'not merged' if what == 'done' else what})")
    return out


def _evaluate(
    loaded: LoadedPlan, store: Store, phase: Phase, db: str | None, *, worktrees: bool
) -> tuple[GateVerdict, str]:
    """Gate checks run on the integration branch when there is one, else beside the plan."""
    from dataclasses import replace

    from phasegate.engine.phases import close_gate, evaluate_gate
    from phasegate.engine.workspace import Workspace
    from phasegate.errors import UsageError
    from phasegate.store import db_path

    dbp = db_path(db, state_dir=loaded.state_dir)
    try:
        ws = Workspace.open(loaded.plan, loaded.path, loaded.state_dir, dbp, worktrees=worktrees)
    except UsageError:
        ws = Workspace.open(loaded.plan, loaded.path, loaded.state_dir, dbp, worktrees=False)
    ws.prepare()
    if ws.worktrees:
        from phasegate.git.merge import integration_worktree

        assert ws.repo is not None
        r = loaded.plan.repo
        integration_worktree(ws.repo, ws.integration, r.integration, r.base)
        from phasegate.engine.integrity import guard

        guard(ws.repo, loaded.plan, store)  # a gate judges only work that is really there
    own = ws.integration if ws.worktrees else None
    state = store.phases().get(phase.id)
    current = state.state if state else "waiting"
    unfinished = _unfinished(loaded, store, phase, worktrees=ws.worktrees)
    if current in {"open", "gating", "failed"} and unfinished:
        # A gate judges the phase's merged work; passing it early would open the next phase
        # over efforts still at work. Evidence only, and the state stays.
        verdict = evaluate_gate(loaded.plan, store, phase, ws.gate_dir(), ws.check_env(), own)
        shown = ", ".join(unfinished[:5]) + (" ..." if len(unfinished) > 5 else "")
        why = f"{len(unfinished)} effort(s) of phase {phase.id} not finished: {shown}"
        return replace(verdict, passed=False, reasons=[why, *verdict.reasons]), current
    if current in {"open", "gating", "failed"}:
        verdict = close_gate(loaded.plan, store, phase, ws.gate_dir(), ws.check_env(), own)
        return verdict, "passed" if verdict.passed else "failed"
    # Before the phase opens, or after it closed: evidence only, the state stays.
    return evaluate_gate(loaded.plan, store, phase, ws.gate_dir(), ws.check_env(), own), current
