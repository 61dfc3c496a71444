"""The run loop: open phases, mark efforts ready or blocked, dispatch agents in the order of
the plan's best schedule, close gates, and say at the end why the run did not finish, if it did not.

All state lives in the store; the loop keeps only what can be rebuilt (tasks in flight,
backoff deadlines), which is why running it again after a crash simply carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from phasegate.engine import crash
from phasegate.engine.attempt import Shared
from phasegate.engine.integrity import IntegrityError
from phasegate.engine.live import View
from phasegate.engine.order import dispatch_priority
from phasegate.engine.phases import close_gate, run_entry
from phasegate.engine.workspace import Workspace
from phasegate.errors import PhasegateError, StateError
from phasegate.plan.expr import parse_duration
from phasegate.plan.model import Effort, Plan
from phasegate.plangraph import PlanGraph
from phasegate.states import ACTIVE, PHASE_CLOSED, can_effort
from phasegate.store import EffortView, Store
from phasegate.store.wake import Follower, Listener
from phasegate.tracking.pause import Pause, pause_state

_TICK = 0.5
# While paused with nothing running, how often the loop looks for a resume when no commit
# wakes it first (a store whose writes do not wake the loop).
_PAUSED_POLL = 2.0
_DISPATCHABLE = frozenset({"ready", "rework", "failed", "rejected", "conflicted"})


@dataclass(frozen=True)
class RunOptions:
    agents: int | None = None
    only: tuple[str, ...] = ()
    worktrees: bool = True
    retry: bool = False
    executor: str | None = None  # overrides the plan's executor.kind
    temporal: str | None = None  # overrides the plan's executor.address


@dataclass
class RunResult:
    ok: bool
    reasons: list[str]
    efforts: dict[str, str] = field(default_factory=dict)
    phases: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0
    interrupted: bool = False  # stopped by Ctrl-C or SIGTERM; running it again carries on


def scope_of(plan: Plan, only: tuple[str, ...]) -> list[str]:
    """The efforts a run covers: all, or the chosen ones with everything they depend on,
    including every effort of the phases before theirs (those phases' gates need them)."""
    if not only:
        return [e.id for e in plan.efforts]
    ids = {e.id for e in plan.efforts}
    pos = {p.id: k for k, p in enumerate(plan.phases)}
    members: dict[str, list[str]] = {}
    for e in plan.efforts:
        members.setdefault(plan.phase_of(e) or "", []).append(e.id)
    chosen: set[str] = set()
    phases_in: set[str] = set()
    todo = list(only)
    while todo:
        x = todo.pop()
        if x in chosen or x not in ids:
            continue
        chosen.add(x)
        e = plan.effort(x)
        todo += e.depends_on
        p = plan.phase_of(e)
        waiting = [p] if p else []
        while waiting:
            q = waiting.pop()
            for before in plan.phase_after(pos[q]):
                if before not in phases_in:
                    phases_in.add(before)
                    todo += members.get(before, [])
                    waiting.append(before)
    return [e.id for e in plan.efforts if e.id in chosen]


class Engine:
    def __init__(self, plan: Plan, store: Store, ws: Workspace, opts: RunOptions, view: View):
        self.plan = plan
        self.store = store
        self.ws = ws
        self.opts = opts
        self.view = view
        self.max = opts.agents or plan.agents.max
        self.scope = scope_of(plan, opts.only)
        g = PlanGraph.of(plan)
        self.priority = dispatch_priority(g, self.max)
        self.wave = {}
        for w, ids in enumerate(g.waves(), 1):
            for x in ids:
                self.wave[x] = w
        self.by_id = {e.id: e for e in plan.efforts}
        self.effort_ids = set(self.by_id)
        self.by_phase: dict[str, list[str]] = {}
        for e in plan.efforts:
            self.by_phase.setdefault(plan.phase_of(e) or "", []).append(e.id)
        self.phase_pos = {p.id: k for k, p in enumerate(plan.phases)}
        # Every phase each phase comes after, directly or through others.
        direct = {ph.id: plan.phase_after(k) for k, ph in enumerate(plan.phases)}
        self.earlier: dict[str, set[str]] = {}
        for ph in plan.phases:
            seen: set[str] = set()
            todo = list(direct[ph.id])
            while todo:
                q = todo.pop()
                if q not in seen:
                    seen.add(q)
                    todo += direct.get(q, [])
            self.earlier[ph.id] = seen
        self.external = {x.id: x.status for x in plan.external}
        self.backoff = parse_duration(plan.agents.backoff)
        self.tasks: dict[str, asyncio.Task[str]] = {}
        self.not_before: dict[str, float] = {}
        self.budget: dict[str, int] = {}
        self._resolvable_seen: dict[tuple[str, int], bool] = {}
        self.entry_failed: dict[str, str] = {}
        self.slots: dict[str, int] = {}
        self._cache: dict[str, EffortView] | None = None
        self._seq = 0
        self.in_scope = in_scope = set(self.scope)
        self.dependents: dict[str, list[str]] = {}
        for e in plan.efforts:
            for d in e.depends_on:
                if e.id in in_scope:
                    self.dependents.setdefault(d, []).append(e.id)
        # Efforts whose view changed since `_mark` last looked, and what the blocking rules
        # that reach across phases depended on then: `_mark` re-examines only the efforts a
        # change can affect, and all of them when a cross-phase fact moved.
        self._touched: set[str] = set()
        self._mark_basis: tuple[object, ...] | None = None
        # Efforts `_dispatch` may pick up (ready, rework or retryable), kept from the changes.
        self._dispatchable: set[str] = set()
        # Done but not merged, and no task of this engine holds it (a person's `done`).
        self._merge_due: set[str] = set()
        # Merges this run already tried: one that fails without a state change (git refusing,
        # say) is reported by its task and not retried every tick.
        self._merge_tried: set[str] = set()
        self.stopping = False
        # Why the run stopped itself (the integration branch is not as recorded), if it did.
        self.halted: str | None = None
        self._own = ws.integration if ws.worktrees else None
        self._sh: Shared | None = None
        self._main: asyncio.Task[Any] | None = None
        self._wake = asyncio.Event()
        self._stopper: asyncio.Future[None] | None = None
        from phasegate.service.budget import Watch

        self.budgets = Watch(plan, store)
        self.held: dict[str, str] = {}  # effort -> why a budget keeps it from starting
        self.pause = Pause(False)  # a person's pause: no new agents until resumed
        from phasegate.executors import executor_for

        self.executor = executor_for(plan)

    def views(self) -> dict[str, EffortView]:
        """Every effort's view, refreshed from the events appended since the last call.

        Re-reading all efforts on every turn of the loop would make a run quadratic in the
        number of efforts; people's commands write to the same store, so the log (not the
        engine's memory) says what changed.
        """
        if self._cache is None:
            self._seq = self.store.last_seq()
            self._cache = self.store.efforts()
            self._touched.update(self._cache)
            self._note_dispatchable(self._cache)
            return self._cache
        touched: set[str] = set()
        for ev in self.store.events(after=self._seq):
            self._seq = ev.seq
            if ev.effort is not None:
                touched.add(ev.effort)
        if touched:
            fresh = self.store.efforts(touched)
            for e in touched:
                self._cache[e] = fresh.get(e) or EffortView(e)
        self._touched |= touched
        self._note_dispatchable({e: self._cache[e] for e in touched})
        return self._cache

    def _note_dispatchable(self, changed: dict[str, EffortView]) -> None:
        for e, v in changed.items():
            if v.state in _DISPATCHABLE:
                self._dispatchable.add(e)
            else:
                self._dispatchable.discard(e)
            if v.state == "done" and not v.merged and self.ws.worktrees:
                self._merge_due.add(e)
            else:
                self._merge_due.discard(e)

    # -- facts -----------------------------------------------------------------------------

    def _budget(self, e: str, v: EffortView) -> int:
        if e not in self.budget:
            lost = sum(
                1
                for ev in self.store.events(effort=e, kinds=["effort.state"])
                if ev.data.get("lost")
            )
            base = (
                v.attempt
                if self.opts.retry and v.state in {"failed", "rejected", "conflicted"}
                else 0
            )
            # `base` (with --retry) already counts every attempt, lost ones included.
            self.budget[e] = base + self.plan.agents.retries + 1 + (0 if base else lost)
        return self.budget[e]

    def _resolvable(self, e: str, v: EffortView) -> bool:
        """A conflicted effort whose agent gets its one attempt at the conflicting merge.
        That attempt works in this machine's worktree: remote executors leave it to people."""
        if not (self.plan.agents.resolve_conflicts and self.ws.worktrees):
            return False
        if self.executor.kind != "local":
            return False
        key = (e, v.attempt)
        if key not in self._resolvable_seen:
            from phasegate.engine.resolve import resolved_before

            self._resolvable_seen[key] = not resolved_before(self.store, e)
        return self._resolvable_seen[key]

    def _dead(self, e: str, v: EffortView) -> bool:
        if v.state == "conflicted" and self._resolvable(e, v):
            return False
        if v.state in {"conflicted", "cancelled", "blocked"}:
            return not (
                self.opts.retry and v.state == "conflicted" and v.attempt < self._budget(e, v)
            )
        if v.state in {"failed", "rejected"}:
            return v.attempt >= self._budget(e, v)
        return False

    def _finished(self, v: EffortView) -> bool:
        return v.state == "done" and (v.merged or not self.ws.worktrees)

    def _block_reason(self, e: Effort, views: dict[str, EffortView], phases: dict[str, str]) -> str:
        for d in e.depends_on:
            if d in self.effort_ids:
                dv = views.get(d, EffortView(d))
                if dv.state == "blocked" or self._dead(d, dv):
                    return f"dependency {d} is {dv.state}"
            elif self.external.get(d) == "pending":
                return f"external prerequisite {d} is not done"
        p = self.plan.phase_of(e)
        if p is None:
            return ""
        if p in self.entry_failed:
            return f"phase {p} entry check failed: {self.entry_failed[p]}"
        for q in self.plan.phase_after(self.phase_pos[p]):
            if phases.get(q) == "failed":
                reason = self.store.phases()[q].reason
                return f"phase {q} gate failed: {reason}"
            if q in self.entry_failed:
                return f"phase {q} entry check failed: {self.entry_failed[q]}"
            for other in self.by_phase.get(q, []):
                ov = views.get(other, EffortView(other))
                if ov.state == "blocked" or self._dead(other, ov):
                    return f"phase {q} cannot pass: effort {other} is {ov.state}"
        return ""

    def _startable(self, e: Effort, views: dict[str, EffortView], phases: dict[str, str]) -> bool:
        for d in e.depends_on:
            if d in self.effort_ids and not self._finished(views.get(d, EffortView(d))):
                return False
        p = self.plan.phase_of(e)
        return p is None or (phases.get(p, "waiting") == "open" and self._phase_allows(e, phases))

    def _phase_allows(self, e: Effort, phases: dict[str, str]) -> bool:
        """No work of a phase starts, first attempt or retry, while its phase is waiting or
        a phase it comes after (directly or not) is not passed or overridden: a rollback or
        a failed gate earlier on stops everything after it."""
        p = self.plan.phase_of(e)
        if p is None:
            return True
        if phases.get(p, "waiting") == "waiting":
            return False
        return all(phases.get(q) in PHASE_CLOSED for q in self.earlier[p])

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> RunResult:
        t0 = time.monotonic()
        from phasegate.engine.reaper import become_subreaper

        # Orphans of agents (a daemon that left their process group) become the engine's
        # children, so the end of an attempt still finds and kills them.
        become_subreaper()
        self.ws.prepare()
        if self.ws.worktrees:
            from phasegate.git.merge import integration_worktree

            assert self.ws.repo is not None
            await asyncio.to_thread(
                integration_worktree, self.ws.repo, self.ws.integration,
                self.plan.repo.integration, self.plan.repo.base,
            )  # fmt: skip
        sh = Shared(self.plan, self.store, self.ws, self.view.effort_line, executor=self.executor)
        self._sh = sh
        await self.executor.open(sh)
        self.view.start(self)
        handled = self._catch_signals(sh)
        listener = self._listen()
        try:
            self._resume(sh)
            while True:
                self._wake.clear()  # what happens from here on wakes the waits below
                acted = False
                # The store's file deleted or replaced under the run: stop (StoreGone) rather
                # than go on recording into a file nobody will read.
                self.store.check_open()
                if not self.stopping:  # once stopping, only the tasks in flight are seen out
                    acted = await self._phases()
                    views = self.views()
                    await self._watch_budgets(sh, views)
                    self._watch_pause()
                    marked, startable = self._mark(views)
                    acted = await self._dispatch(sh, views, startable) or marked or acted
                self.view.refresh()
                if not self.tasks and not acted:
                    wait = None if self.stopping else self._next_retry(views)
                    if wait is None and not self.stopping and self._paused_with_work(views):
                        wait = _PAUSED_POLL  # the run stays up to carry on when resumed
                    if wait is None:
                        break
                    # Backoff can be long; an interruption must not wait for it.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
                    continue
                if self.tasks:
                    self._reap(await self._until_woken())
                if sh.halt is not None and self.halted is None:
                    self._halt(sh.halt)
        finally:
            if listener is not None:
                listener.stop()
            loop = asyncio.get_running_loop()
            for sig in handled:
                loop.remove_signal_handler(sig)
            self.view.stop()
            await self.executor.close()
        return self._result(time.monotonic() - t0)

    # -- waking up -------------------------------------------------------------------------

    def _listen(self) -> Listener | Follower | None:
        """Let other processes' commits (reports, people's commands) wake the loop at once;
        agents' exits already do, through their tasks. The tick stays as the fallback."""
        from phasegate.store.sqlite import SqliteStore

        listener: Listener | Follower
        if isinstance(self.store, SqliteStore):
            listener = Listener(self.store.path, self._wake)
        else:  # a server store notifies its listeners itself (PostgreSQL: LISTEN/NOTIFY)
            listener = Follower(self.store, self._wake)
        return listener if listener.start() else None

    async def _until_woken(self) -> set[asyncio.Task[str]]:
        """Wait until a task ends, the store is written by another process, or a tick passes;
        return the tasks that ended."""
        woken = asyncio.ensure_future(self._wake.wait())
        waits: list[asyncio.Future[Any]] = [*self.tasks.values(), woken]
        try:
            await asyncio.wait(waits, timeout=_TICK, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
        return {t for t in self.tasks.values() if t.done()}

    # -- interruption ----------------------------------------------------------------------

    def _catch_signals(self, sh: Shared) -> list[int]:
        """Ctrl-C or SIGTERM stops the run: no new agents, running ones are stopped and their
        attempts end interrupted. A second one leaves at once, with agents still running
        (the next run adopts them)."""
        self._main = asyncio.current_task()
        loop = asyncio.get_running_loop()
        handled: list[int] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._interrupt, sh)
            except (RuntimeError, ValueError):
                continue  # not the main thread: the caller keeps its own handling
            handled.append(sig)
        return handled

    def _halt(self, reason: str) -> None:
        """Stop as on an interruption, because going on would build on a branch that is not
        what was recorded; the run ends failed with the reason."""
        self.halted = reason
        if self._sh is not None:
            self._sh.halt = reason
            if not self.stopping:
                self._interrupt(self._sh)

    def _interrupt(self, sh: Shared) -> None:
        if self.stopping:
            self.view.notice(
                "interrupted again: leaving now; the next 'phasegate run' finishes stopping agents"
            )
            if self._main is not None:
                self._main.cancel()
            return
        self.stopping = sh.stopping = True
        self._wake.set()
        grace = parse_duration(self.plan.agents.grace)
        self.view.notice(
            f"interrupted: stopping {len(sh.agents)} agent(s) (SIGTERM, then SIGKILL after "
            f"{grace:g}s); interrupt again to leave without waiting"
        )
        self._stopper = asyncio.ensure_future(self._stop_agents(sh, grace))
        self._stopper.add_done_callback(lambda t: self._stopper_failed(t, sh))

    def _stopper_failed(self, task: asyncio.Future[None], sh: Shared) -> None:
        if task.cancelled() or task.exception() is None:
            return
        # Stopping politely failed (the store refused, say): the agents must still stop.
        self.view.notice(f"stopping agents failed ({task.exception()}); killing them")
        for handle in list(sh.agents.values()):
            handle.kill()

    async def _stop_agents(self, sh: Shared, grace: float) -> None:
        asked: set[str] = set()
        # Agents can still appear after the signal (one being spawned, one being adopted).
        while self.tasks:
            for e, handle in list(sh.agents.items()):
                if e not in asked:
                    asked.add(e)
                    # Stored first: should this engine be gone before they are, the next
                    # run knows to finish stopping them rather than wait for their work.
                    attempt = self.store.effort(e).attempt
                    await sh.commit({
                        "kind": "agent.stop_requested", "effort": e, "attempt": attempt,
                        "key": f"stop:{e}:{attempt}", "data": {"grace": grace},
                    })  # fmt: skip
                handle.stop(grace)
            await asyncio.sleep(0.05)

    def _watch_pause(self) -> None:
        now = pause_state(self.store)
        if now.paused != self.pause.paused:
            if now.paused:
                why = f": {now.reason}" if now.reason else ""
                self.view.notice(
                    f"paused by {now.by or 'someone'}{why}; no new agents start until resumed"
                )
            else:
                self.view.notice("resumed: agents start again")
        self.pause = now

    def _paused_with_work(self, views: dict[str, EffortView]) -> bool:
        if not self.pause.paused:
            return False
        left = ((e, views.get(e, EffortView(e))) for e in self.scope)
        return any(not self._finished(v) and not self._dead(e, v) for e, v in left)

    async def _watch_budgets(self, sh: Shared, views: dict[str, EffortView]) -> None:
        """Hold back efforts over a pause or stop budget; a new crossing is an escalation,
        and a stop budget's crossing stops its running agents as an interruption does."""
        self.held, crossings = self.budgets.check(views)
        for e in [x for x in sh.halted if x not in self.held and x not in self.tasks]:
            del sh.halted[e]  # raised since, and its stopped attempt is over: it may start again
        if not crossings:
            return
        for c in crossings:
            self.view.notice(str(c.data.get("reason", "budget exceeded")))
            for e in self.budgets.stopping(c):
                handle = sh.agents.get(e)
                if handle is None or e in sh.halted:
                    continue
                sh.halted[e] = str(c.data.get("reason"))
                attempt = self.store.effort(e).attempt
                await sh.commit({
                    "kind": "agent.stop_requested", "effort": e, "attempt": attempt,
                    "key": f"stop:{e}:{attempt}", "data": {"budget": c.data.get("scope")},
                })  # fmt: skip
                handle.stop(parse_duration(self.plan.agents.grace))
        await asyncio.to_thread(self.budgets.escalate, crossings, str(self.ws.plan_path.parent))

    def _resume(self, sh: Shared) -> None:
        for e in self.scope:
            v = self.store.effort(e)
            if v.state in ACTIVE or (v.state == "done" and self.ws.worktrees and not v.merged):
                self._launch(sh, e, self.executor.attempt(sh, self.by_id[e]).resume())

    def _launch(self, sh: Shared, e: str, coro: Coroutine[Any, Any, str]) -> None:
        used = set(self.slots.values())
        self.slots[e] = next(i for i in range(1, len(used) + 2) if i not in used)
        self.tasks[e] = asyncio.ensure_future(self._guard(e, coro))

    async def _guard(self, e: str, coro: Coroutine[Any, Any, str]) -> str:
        """An effort whose git or store step is refused ends failed with the reason; the run
        goes on with the others."""
        try:
            return await coro
        except StateError as err:
            # Someone changed the effort meanwhile (`phasegate block`, `cancel`...): theirs wins.
            self.view.effort_line(e, f"left as it is: {err}")
            return self.store.effort(e).state
        except PhasegateError as err:
            v = self.store.effort(e)
            reason = f"{type(err).__name__}: {err}"
            if can_effort(v.state, "failed"):
                self.store.transition(e, "failed", attempt=v.attempt, reason=reason)
            self.view.effort_line(e, f"failed: {reason}")
            return "failed"

    def _reap(self, done: set[asyncio.Task[str]]) -> None:
        for e, t in list(self.tasks.items()):
            if t not in done:
                continue
            del self.tasks[e]
            self.slots.pop(e, None)
            self._touched.add(e)  # out of the engine's hands: `_mark` looks at it again
            state = t.result()  # an exception here is a bug in phasegate: let it surface
            if state in {"failed", "rejected"}:
                attempt = self.store.effort(e).attempt
                self.not_before[e] = time.monotonic() + self.backoff * 2 ** max(0, attempt - 1)

    def _next_retry(self, views: dict[str, EffortView]) -> float | None:
        phases = {k: p.state for k, p in self.store.phases().items()}
        # A retry its phase does not allow yet waits for nothing this run can bring about.
        waits = [
            max(0.0, self.not_before.get(e, 0.0) - time.monotonic())
            for e in self.scope
            if e in views and views[e].state in {"failed", "rejected"}
            and not self._dead(e, views[e]) and e not in self.held
            and self._phase_allows(self.by_id[e], phases)
        ]  # fmt: skip
        return min(waits) if waits else None

    async def _phases(self) -> bool:
        """Open phases whose entry holds; gate phases whose efforts are all finished."""
        acted = False
        views = self.views()
        states = {k: v.state for k, v in self.store.phases().items()}
        for k, p in enumerate(self.plan.phases):
            st = states.get(p.id, "waiting")
            if st == "waiting" and p.id not in self.entry_failed:
                if not all(states.get(q) in PHASE_CLOSED for q in self.plan.phase_after(k)):
                    continue
                outcomes = await asyncio.to_thread(
                    run_entry, self.store, p, self.ws.gate_dir(), self.ws.check_env(), self._own
                )
                bad = [f"'{o.name}' ({o.why})" for o in outcomes if not o.passed]
                if bad:
                    self.entry_failed[p.id] = ", ".join(bad)
                    self.view.phase_line(p.id, f"entry check failed: {self.entry_failed[p.id]}")
                    continue
                crash.point("phase-opening")
                try:
                    self.store.phase_transition(p.id, "open", reason="entry checks passed")
                except StateError:
                    states[p.id] = self._decided_elsewhere(p.id)
                    acted = True
                    continue
                self.view.phase_line(p.id, "open")
                states[p.id] = "open"
                acted = True
            if states.get(p.id) in {"open", "gating"}:
                mine = self.by_phase.get(p.id, [])
                if all(self._finished(views.get(e, EffortView(e))) for e in mine):
                    self.view.phase_line(p.id, "evaluating gate")
                    try:
                        verdict = await asyncio.to_thread(
                            close_gate, self.plan, self.store, p, self.ws.gate_dir(),
                            self.ws.check_env(), self._own, self.ws.repo,
                        )  # fmt: skip
                    except IntegrityError as err:
                        self.view.phase_line(p.id, f"gate not evaluated: {err}")
                        self._halt(str(err))
                        return True
                    except StateError:
                        states[p.id] = self._decided_elsewhere(p.id)
                        acted = True
                        continue
                    states[p.id] = "passed" if verdict.passed else "failed"
                    msg = (
                        "gate passed"
                        if verdict.passed
                        else "gate FAILED: " + "; ".join(verdict.reasons)
                    )
                    self.view.phase_line(p.id, msg)
                    acted = True
        return acted

    def _decided_elsewhere(self, phase: str) -> str:
        """A person's `phasegate gate` (an override, say) settled the phase meanwhile: theirs
        stands, and the run goes on from it."""
        state = self.store.phases()[phase].state
        self.view.phase_line(phase, f"{state} meanwhile, by 'phasegate gate'; left as it is")
        return state

    def _mark(self, views: dict[str, EffortView]) -> tuple[bool, list[str]]:
        """Block (or unblock) efforts as the facts say; return the pending ones that may start.

        Those are not recorded ready here: the ones an agent takes at once go straight to
        running, and only the ones left waiting for an agent are recorded ready.
        """
        acted = False
        startable: list[str] = []
        phases = {k: v.state for k, v in self.store.phases().items()}
        touched, self._touched = self._touched, set()
        basis = (tuple(sorted(phases.items())), tuple(sorted(self.entry_failed.items())))
        # A blocked or dead effort can block efforts of later phases, not only its dependents.
        spreads = any(
            x in views and (views[x].state == "blocked" or self._dead(x, views[x])) for x in touched
        )
        if basis != self._mark_basis or spreads:
            todo: list[str] = self.scope
        else:
            near = set(touched)
            for x in touched:
                near.update(self.dependents.get(x, ()))
            todo = [x for x in self.scope if x in near]
        self._mark_basis = basis
        for e_id in todo:
            if e_id in self.tasks:
                continue
            e = self.by_id[e_id]
            v = views.get(e_id, EffortView(e_id))
            if v.state not in {"pending", "ready", "blocked"}:
                continue
            reason = self._block_reason(e, views, phases)
            if reason:
                if v.state != "blocked":
                    self.store.transition(e_id, "blocked", reason=reason)
                    self.view.effort_line(e_id, f"blocked: {reason}")
                    views = self.views()
                    acted = True
                continue
            # An open blocker (`phasegate block`) holds it until `phasegate unblock`, whatever
            # the engine thinks of its dependencies.
            if v.state == "blocked" and not v.blockers_open and self._startable(e, views, phases):
                self.store.transition(e_id, "ready", reason="no longer blocked")
                views = self.views()
                acted = True
            elif v.state == "pending" and self._startable(e, views, phases):
                startable.append(e_id)
        return acted, startable

    async def _dispatch(
        self, sh: Shared, views: dict[str, EffortView], startable: list[str]
    ) -> bool:
        if self.stopping:
            return False
        now = time.monotonic()
        launched = False
        for e in sorted(self._merge_due - set(self.tasks) - self._merge_tried):
            if e in self.in_scope:
                self._merge_tried.add(e)
                # Marked done by a person while this run went on: merge it now, not next run.
                self._launch(sh, e, self.executor.attempt(sh, self.by_id[e]).resume())
                launched = True
        candidates = list(startable)
        phases: dict[str, str] | None = None
        for e in self._dispatchable:
            if e in self.tasks or e not in self.in_scope:
                continue
            v = views.get(e, EffortView(e))
            if v.state == "rework":
                # Rolled-back work runs again whatever its retries say, but only once what it
                # is stacked on is finished again.
                if phases is None:
                    phases = {k: p.state for k, p in self.store.phases().items()}
                if self._startable(self.by_id[e], views, phases):
                    candidates.append(e)
                continue
            if v.state == "ready" or (
                v.state in {"failed", "rejected", "conflicted"}
                and not self._dead(e, v)
                and self.not_before.get(e, 0.0) <= now
            ):
                candidates.append(e)
        if candidates:
            if phases is None:
                phases = {k: p.state for k, p in self.store.phases().items()}
            candidates = [x for x in candidates if self._phase_allows(self.by_id[x], phases)]
        candidates = [] if self.pause.paused else [x for x in candidates if x not in self.held]
        candidates.sort(key=lambda x: self.priority[x])
        started: set[str] = set()
        for e in candidates:
            if len(self.tasks) < self.max:
                v = views.get(e, EffortView(e))
                if v.state == "conflicted" and self._resolvable(e, v):
                    from phasegate.engine.resolve import Resolver

                    self._launch(sh, e, Resolver(sh, self.by_id[e]).start())
                else:
                    self._launch(sh, e, self.executor.attempt(sh, self.by_id[e]).start())
                started.add(e)
        # Startable efforts that did not start now (no free agent, a pause, a budget) are
        # recorded ready: marking looks only at what changed, so a later pass finds them
        # through their state, not through the facts that made them startable.
        waiting = [e for e in startable if e not in started]
        if not waiting:
            return launched

        # One commit for the lot, shared with the `running` events of the agents just launched.
        def why(e: str) -> str:
            if self.pause.paused:
                return "dependencies done; the run is paused"
            if e in self.held:
                return f"dependencies done; {self.held[e]}"
            return "dependencies done; waiting for an agent"

        await sh.commit(*({"effort": e, "to": "ready", "reason": why(e)} for e in waiting))
        for _ in waiting:
            crash.point("ready")
        return True

    def _result(self, elapsed: float) -> RunResult:
        views = self.store.efforts()
        phases = self.store.phases()
        reasons: list[str] = []
        for e in self.scope:
            v = views.get(e, EffortView(e))
            if v.state != "done":
                why = f": {v.reason}" if v.reason else ""
                reasons.append(f"effort {e} is {v.state}{why}")
            elif not self._finished(v):
                reasons.append(
                    f"effort {e} is done but not merged into {self.plan.repo.integration}"
                )
        in_scope = set(self.scope)
        for p in self.plan.phases:
            mine = {e.id for e in self.plan.efforts if self.plan.phase_of(e) == p.id}
            if not mine <= in_scope:
                continue
            pv = phases.get(p.id)
            st = pv.state if pv else "waiting"
            if st not in PHASE_CLOSED:
                if p.id in self.entry_failed:
                    why = f"entry check failed: {self.entry_failed[p.id]}"
                else:
                    why = pv.reason if st == "failed" and pv else "gate not reached"

                reasons.append(f"phase {p.id} is {st}: {why}")
        for why in reversed(list(dict.fromkeys(self.held.values()))):
            reasons.insert(0, why)
        if self.halted is not None:
            reasons.insert(0, f"run stopped: {self.halted}")
        elif self.stopping:
            reasons.insert(0, "run interrupted: 'phasegate run' carries on from here")
        return RunResult(
            not reasons,
            reasons,
            {e: views.get(e, EffortView(e)).state for e in self.scope},
            {p.id: (phases[p.id].state if p.id in phases else "waiting") for p in self.plan.phases},
            elapsed,
            self.stopping and self.halted is None,
        )
