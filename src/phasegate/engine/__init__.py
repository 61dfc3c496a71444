"""Carrying out a plan: the run loop, agent supervision, briefs, gates and resume.

`execute` is what `phasegate run` calls; `dry_run` describes what it would do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from phasegate.engine.live import View
from phasegate.engine.loop import Engine, RunOptions, RunResult, scope_of
from phasegate.engine.workspace import Workspace
from phasegate.errors import UsageError
from phasegate.plan.model import Plan
from phasegate.store.types import Store

__all__ = ["Engine", "RunOptions", "RunResult", "dry_run", "execute"]


def _validate(plan: Plan, opts: RunOptions) -> None:
    ids = {e.id for e in plan.efforts}
    unknown = [x for x in opts.only if x not in ids]
    if unknown:
        raise UsageError(f"--only: unknown effort {unknown[0]!r}")
    if opts.agents is not None and opts.agents < 1:
        raise UsageError("--agents must be at least 1")
    chosen = set(scope_of(plan, opts.only))
    bare = [e.id for e in plan.efforts if e.id in chosen and e.command is None]
    if bare and plan.agents.command is None and plan.agents.kind == "command":
        raise UsageError(
            f"effort {bare[0]} has no agent to run: set agents.command in the plan "
            "(or the effort's own command, or agents.kind)"
        )


def with_executor(plan: Plan, opts: RunOptions) -> Plan:
    """The plan with `run --executor / --temporal` applied over its `executor`."""
    if opts.executor is None and opts.temporal is None:
        return plan
    if opts.executor not in (None, "local", "temporal"):
        raise UsageError(f"--executor {opts.executor}: use local or temporal")
    update: dict[str, str] = {}
    if opts.executor is not None:
        update["kind"] = opts.executor
    if opts.temporal is not None:
        update["address"] = opts.temporal
    return plan.model_copy(update={"executor": plan.executor.model_copy(update=update)})


def execute(
    plan: Plan,
    plan_path: Path,
    state_dir: Path,
    db: str | None,
    opts: RunOptions,
    view: View,
) -> RunResult:
    from phasegate.store import db_path, is_server, open_store

    _validate(plan, opts)
    plan = with_executor(plan, opts)
    if not is_server(db):
        # Before the store is opened (and so created): a missing file beside traces of
        # earlier runs is refused as it is.
        seen = Workspace.open(
            plan, plan_path, state_dir, db_path(db, state_dir=state_dir), worktrees=opts.worktrees
        )
        _refuse_lost_store(plan, seen, None)
    with open_store(db, state_dir=state_dir, create=True) as store:
        ws = Workspace.open(plan, plan_path, state_dir, store.location, worktrees=opts.worktrees)
        ws.prepare()
        # One engine per plan: for a shared store, across every machine that reaches it.
        with store.run_lock():
            from phasegate.plan.discover import claim_state_dir
            from phasegate.service.replan import ensure_reconciled
            from phasegate.store.owner import check_owner

            _refuse_lost_store(plan, ws, store)
            check_owner(store, plan.project, plan_path, bind=True)
            claim_state_dir(plan_path, ws.state_dir)
            # A plan edited since the store last ran it is applied by `phasegate replan`
            # first: new dependencies under running or finished work need a person's eye.
            ensure_reconciled(plan, store)
            return _carry_out(Engine(plan, store, ws, opts, view))


def _carry_out(engine: Engine) -> RunResult:
    try:
        return asyncio.run(engine.run())
    except asyncio.CancelledError:
        # Interrupted twice: the engine left without stopping its agents.
        raise KeyboardInterrupt from None


def _refuse_lost_store(plan: Plan, ws: Workspace, store: Store | None) -> None:
    """A store with nothing recorded (`store`, or the file when None), beside worktrees, logs
    or the integration branch of an earlier run, lost its state (deleted, truncated):
    starting afresh on it would run every finished effort again over the work merged."""
    from phasegate.store import lost_store, missing, prior_state

    if store.last_seq() > 0 if store is not None else not missing(Path(ws.db)):
        return
    traces = prior_state(ws.state_dir)
    if ws.worktrees and ws.repo is not None:
        from phasegate.git import rev
        from phasegate.git.history import first_parent_line

        tip = rev(f"refs/heads/{plan.repo.integration}", cwd=ws.repo)
        # Only commits beyond the base are work a lost store would leave unaccounted for.
        if tip is not None and first_parent_line(ws.repo, tip, rev(plan.repo.base, cwd=ws.repo)):
            traces.append(f"integration branch {plan.repo.integration}")
    if traces:
        raise UsageError(lost_store(Path(ws.db), traces))


def dry_run(
    plan: Plan, plan_path: Path, state_dir: Path, db: str | None, opts: RunOptions
) -> list[str]:
    """What a run would do, in dispatch order, touching nothing."""
    from phasegate.plangraph import PlanGraph
    from phasegate.proc import shell_argv
    from phasegate.store import open_store, store_exists

    _validate(plan, opts)
    plan = with_executor(plan, opts)
    states: dict[str, str] = {}
    if store_exists(db, state_dir=state_dir):
        with open_store(db, state_dir=state_dir) as store:
            states = {k: v.state for k, v in store.efforts().items()}
    scope = set(scope_of(plan, opts.only))
    by_id = {e.id: e for e in plan.efforts}  # Plan.effort looks an id up by a scan
    g = PlanGraph.of(plan)
    tail = g.remaining_path()
    agents = opts.agents or plan.agents.max
    lines = [
        f"would run {len(scope)} effort(s) of {plan.project} with up to {agents} agent(s)"
        + ("" if opts.worktrees else ", without worktrees"),
    ]
    if opts.worktrees:
        lines.append(f"integration branch {plan.repo.integration} (from {plan.repo.base})")
    if plan.executor.kind == "temporal":
        x = plan.executor
        lines.append(
            f"agents run on phasegate workers via Temporal at {x.address} (namespace "
            f"{x.namespace}, queue {x.queue}); shared remote {plan.repo.remote or '(not set)'}"
        )
    for k, p in enumerate(plan.phases):
        after = plan.phase_after(k)
        entry = ", ".join(c.label for c in p.entry) or "none"
        gate = ", ".join(c.label for c in p.gate.checks) or "no checks"
        lines.append(
            f"phase {p.id}: after {', '.join(after) or 'nothing'}; entry: {entry}; gate: {gate}"
        )
    for w, ids in enumerate(g.waves(), 1):
        todo = [i for i in ids if i in scope]
        todo.sort(key=lambda i: -tail[g.index[i]])
        for i in todo:
            e = by_id[i]
            st = states.get(i, "pending")
            cmd = e.command if e.command is not None else plan.agents.command
            if e.command is None and plan.agents.kind != "command":
                shown = f"{plan.agents.kind} agent"
            else:
                shown = " ".join(shell_argv(cmd)) if cmd is not None else "(no command)"
            if st == "done":
                lines.append(f"wave {w}: {i} already done, skipped")
                continue
            deps = [d for d in e.depends_on if d in g.index]
            where = ""
            if opts.worktrees:
                stack = f" + {', '.join(plan.branch_of(by_id[d]) for d in deps)}" if deps else ""
                where = f" on {plan.branch_of(e)} ({plan.repo.base}{stack})"
            checks = ", ".join(c.label for c in e.checks) or "none"
            lines.append(
                f"wave {w}: {i} [{st}]{where}: run `{shown}`; checks: {checks}"
                f"; remaining path {tail[g.index[i]]:g}"
            )
    return lines
