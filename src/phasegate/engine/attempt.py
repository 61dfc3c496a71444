"""One effort, from its stacked branch to its merge: the steps of an attempt.

Each step stores its event before acting on it, and each step can be entered again after a
crash: `resume` looks at the recorded state and the agent's traces (pid, exit file) and goes
on from there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate import gates
from phasegate.engine import crash, supervisor
from phasegate.engine.brief import Handoff, build
from phasegate.engine.commit import GroupCommit
from phasegate.engine.history import KEPT, history, render
from phasegate.engine.workspace import Workspace
from phasegate.errors import StateError
from phasegate.git.history import align_head
from phasegate.plan.expr import parse_duration
from phasegate.plan.model import Effort, Plan
from phasegate.service.tokens import minted
from phasegate.store import Store
from phasegate.tracking.questions import answered

if TYPE_CHECKING:
    from phasegate.conflicts import Drift
    from phasegate.executors import Executor, Running

Notify = Callable[[str, str], None]  # (effort id, message)


@dataclass
class Shared:
    """What every effort task of one run shares."""

    plan: Plan
    store: Store
    ws: Workspace
    notify: Notify
    git_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    agents: dict[str, Running] = field(default_factory=dict)  # effort -> live agent
    # Set when the run is being interrupted: no agent starts any more, and the ones that end
    # meanwhile end interrupted rather than failed.
    stopping: bool = False
    # Efforts whose agents a budget stopped, and why: they end interrupted, as in a stopped
    # run.
    halted: dict[str, str] = field(default_factory=dict)
    # Set when the integration branch is not as recorded: nothing more is merged or gated.
    halt: str | None = None
    ids: frozenset[str] = frozenset()  # every effort id of the plan
    executor: Executor | None = None  # None: this machine's (executors.local)
    commit: GroupCommit = field(init=False)

    def __post_init__(self) -> None:
        self.ids = frozenset(e.id for e in self.plan.efforts)
        self.commit = GroupCommit(self.store)


class Attempt:
    def __init__(self, sh: Shared, effort: Effort) -> None:
        self.sh = sh
        self.e = effort
        self.store = sh.store
        agents = sh.plan.agents
        self.timeout = parse_duration(agents.timeout) if agents.timeout is not None else None
        self.grace = parse_duration(agents.grace)

    # -- entry points ----------------------------------------------------------------------

    async def start(self) -> str:
        """A fresh attempt of a ready (or retried) effort. Returns the state it ends in."""
        (ev,) = await self.sh.commit({"effort": self.e.id, "to": "running", "reason": "dispatched"})
        crash.point("running")
        assert ev is not None
        attempt = ev.attempt or 1
        self.sh.notify(self.e.id, f"running (attempt {attempt})")
        return await self._from_running(attempt, None)

    async def resume(self) -> str:
        """Carry on with an effort a previous engine left in flight."""
        v = self.store.effort(self.e.id)
        if v.state == "checking":
            return await self._check(v.attempt)
        if v.state == "done":
            return await self._merge(v.attempt)
        attempt = v.attempt
        exit_file = self.sh.ws.exit_file(self.e.id, attempt)
        started = v.started_at or 0.0
        if self._stop_requested(attempt):
            return await self._finish_stopping(attempt, v.pid, v.pid_start, exit_file, started)
        handle = None
        if v.pid is not None and v.pid_start is not None:
            handle = supervisor.adopt(v.pid, int(v.pid_start), exit_file, started)
        if handle is None:
            handle = supervisor.orphan(exit_file, started)
        if handle is not None:
            self.sh.notify(self.e.id, f"adopted running agent (pid {handle.pid})")
            return await self._await_agent(attempt, handle)
        code = supervisor.read_exit(exit_file)
        if code is not None:
            self.sh.notify(self.e.id, "agent finished while phasegate was down")
            dead = supervisor.Handle(-1, -1, exit_file, started)
            return await self._await_agent(attempt, dead)
        if supervisor.launched(exit_file):
            # It started and vanished without an exit status: a new attempt, not counted
            # against the effort's retries since the agent never had its say.
            self.store.transition(
                self.e.id, "failed", attempt=attempt,
                reason=f"agent of attempt {attempt} was lost while phasegate was down",
                data={"lost": True},
            )  # fmt: skip
            return await self.start()
        return await self._from_running(attempt, None)

    # -- steps -----------------------------------------------------------------------------

    async def _from_running(self, attempt: int, handle: supervisor.Handle | None) -> str:
        sh, e = self.sh, self.e
        start: str | None = None
        continues = True
        if sh.ws.worktrees:
            deps = [d for d in e.depends_on if d in sh.ids]
            pairs = [(d, sh.plan.branch_of(sh.plan.effort(d))) for d in deps]
            from phasegate.git.attempts import head
            from phasegate.git.merge import stack

            async with sh.git_lock:
                continues = await asyncio.to_thread(self._restart, attempt)
                outcome = await asyncio.to_thread(
                    stack, sh.ws.repo or Path("."), sh.ws.worktree(e), sh.plan.branch_of(e),
                    sh.plan.repo.base, pairs,
                )  # fmt: skip
            if not outcome.ok:
                reason = f"stacked branch: {outcome.reason}"
                self.store.transition(
                    e.id, "conflicted", attempt=attempt, reason=reason,
                    data={"files": outcome.conflicts, "branch": outcome.branch,
                          "with": outcome.branch},
                )  # fmt: skip
                sh.notify(e.id, f"conflicted: {reason}")
                return "conflicted"
            start = await asyncio.to_thread(head, sh.ws.worktree(e))
        crash.point("stacked")
        earlier = history(self.store, e.id, attempt)
        earlier.continues = continues
        text = build(sh.plan, e, handoffs=self._handoffs(), attempt=attempt,
                     worktrees=sh.ws.worktrees, earlier=render(earlier),
                     **await self._brief_extras())  # fmt: skip
        return await self._spawn(attempt, text, start)

    def _restart(self, attempt: int) -> bool:
        """Before a retry: unless the plan says `on_retry: continue`, the branch goes back to
        where the failed attempt started (its work is on its attempt ref), so the new attempt
        starts from the stack, not from that attempt's leftovers. True: earlier work stays."""
        if attempt < 2 or self.sh.plan.agents.on_retry == "continue":
            return True
        prev = attempt - 1
        ended = ""
        for ev in self.store.events(effort=self.e.id, kinds=["effort.state"]):
            if ev.attempt == prev and ev.data.get("to") in {"failed", "rejected"}:
                ended = "" if ev.data.get("lost") else str(ev.data.get("to"))
        if not ended:
            return True
        start = self._start_of(prev)
        if start is None:
            return True
        from phasegate.git.attempts import keep_attempt, restart_from

        wt = self.sh.ws.worktree(self.e)
        if not wt.exists():
            return False
        ref = keep_attempt(wt, self.e.id, prev, start)  # again: a no-op once it is kept
        if ref is None:
            return False
        moved = restart_from(
            wt, start, f"phasegate: work left by attempt {prev} of {self.e.id}"
        )  # fmt: skip
        if moved:
            self.sh.notify(
                self.e.id, f"starting again from the stack; attempt {prev} kept at {ref}"
            )
        return not moved

    async def _brief_extras(self) -> dict[str, Any]:
        """What a brief says besides the plan: answers to its questions, contracts it uses."""
        from phasegate.engine.contracts import used_contracts

        sh, e = self.sh, self.e
        used = await asyncio.to_thread(used_contracts, sh.plan, self.store, sh.ws, e)
        return {"answers": answered(self.store, e.id), "contracts": used}

    def _start_of(self, attempt: int) -> str | None:
        for ev in self.store.events(effort=self.e.id, kinds=["agent.spawned"]):
            if ev.attempt == attempt and ev.data.get("start"):
                return str(ev.data["start"])
        return None

    async def _spawn(self, attempt: int, brief_text: str, start: str | None) -> str:
        sh, e = self.sh, self.e
        brief = sh.ws.brief(e.id, attempt)
        brief.write_text(brief_text)
        if sh.stopping or e.id in sh.halted:
            return await self._interrupted(attempt, None)
        # A plain command names the brief itself; the adapters of other kinds pass it safely.
        command = e.command if e.command is not None else sh.plan.agents.command
        unreadable = _unreadable_brief(command, brief) if command is not None else None
        if unreadable:
            return await self._fail(attempt, unreadable)
        from phasegate.agents.attempt import invocation

        log = sh.ws.log(e.id, attempt)
        # The agent's credential for the MCP server over HTTP, scoped to this attempt; only
        # its hash is stored, so it is recorded before the agent that carries it starts.
        # Through the group commit: its own transaction and sync held up every agent's start.
        token, minted_event = minted(e.id, attempt)
        await sh.commit(minted_event)
        if sh.stopping or e.id in sh.halted:  # asked while the commit waited
            return await self._interrupted(attempt, None)
        env = {**sh.ws.agent_env(e, attempt), "PHASEGATE_TOKEN": token}
        agent = invocation(sh.plan, e, attempt, sh.ws, self.store, env)
        handle = await supervisor.spawn(
            agent.argv, cwd=sh.ws.effort_dir(e), env=agent.env,
            log=log, exit_file=sh.ws.exit_file(e.id, attempt),
        )  # fmt: skip
        crash.point("spawned")
        await sh.commit({
            "kind": "agent.spawned", "effort": e.id, "attempt": attempt,
            "key": f"spawn:{e.id}:{attempt}",
            "data": {"pid": handle.pid, "pid_start": handle.pid_start, "attempt": attempt,
                     "log": str(log), "start": start},
        })  # fmt: skip
        crash.point("spawn-recorded")
        sh.notify(e.id, f"agent started (pid {handle.pid}, log {log.name})")
        return await self._await_agent(attempt, handle)

    async def _await_agent(self, attempt: int, handle: supervisor.Handle) -> str:
        sh, e = self.sh, self.e
        if handle.pid > 0:
            sh.agents[e.id] = handle
        try:
            result = await supervisor.wait(handle, timeout=self.timeout, grace=self.grace)
        finally:
            sh.agents.pop(e.id, None)
        crash.point("exited")
        await self._record_usage(attempt)
        if (sh.stopping or e.id in sh.halted) and handle.kill_at is not None:
            # It was still at work when the run was interrupted (and has been stopped since):
            # whatever it exited with says nothing about the effort.
            return await self._interrupted(attempt, result)
        exited = self._exited_item(attempt, result)
        failure = None
        if result.timed_out:
            failure = f"agent timed out after {self.timeout:g}s; process group killed"
        elif result.exit_code != 0:
            code = "no exit status" if result.exit_code is None else f"exit {result.exit_code}"
            failure = f"agent failed ({code}); log {sh.ws.log(e.id, attempt)}"
        if failure is not None:
            now = self.store.effort(e.id).state
            if now != "running":
                # A person settled the effort while their command waited (`phasegate done`
                # rejected it, `block`...): the command's exit status only echoes that.
                await sh.commit(exited)
                crash.point("exit-recorded")
                if sh.ws.worktrees:
                    await asyncio.to_thread(self._keep_leftovers, attempt)
                sh.notify(e.id, f"{now} while its agent ran")
                return now
        if not sh.ws.worktrees:
            # Nothing happens between the exit and the state it leads to, so both are stored
            # in one transaction.
            return await self._exit_with_state(attempt, exited, failure)
        await sh.commit(exited)
        crash.point("exit-recorded")
        await asyncio.to_thread(self._keep_leftovers, attempt)
        if failure is not None:
            return await self._fail(attempt, failure)
        return await self._after_exit_0(attempt)

    async def _record_usage(self, attempt: int) -> None:
        """What the agent's own output says it used, stored once per attempt."""
        from phasegate.agents.attempt import usage_item

        item = await asyncio.to_thread(usage_item, self.sh.plan, self.e, attempt, self.sh.ws)
        if item is not None:
            await self.sh.commit(item)

    async def _exit_with_state(
        self, attempt: int, exited: dict[str, object], failure: str | None
    ) -> str:
        sh, e = self.sh, self.e
        if failure is not None:
            await sh.commit(exited, self._fail_item(attempt, failure))
            crash.point("exit-recorded")
            sh.notify(e.id, f"failed: {failure}")
            return "failed"
        to = "checking" if e.checks else "done"
        try:
            # `expect`: a person's `phasegate done` may have taken the effort to checking
            # meanwhile; then the exit is stored alone and their checks are waited for.
            await sh.commit(exited, {"effort": e.id, "to": to, "attempt": attempt,
                                     "reason": "agent exited 0", "expect": "running"})  # fmt: skip
        except StateError:
            crash.point("exit-recorded")
            return await self._after_exit_0(attempt)
        crash.point("exit-recorded")
        crash.point(to)
        if to == "done":
            sh.notify(e.id, "done")
            return "done"
        return await self._check(attempt)

    async def _after_exit_0(self, attempt: int) -> str:
        sh, e = self.sh, self.e
        state = await self._settled()
        if state == "done":
            # A person marked it done while their command waited: phasegate still runs the
            # checks itself, in the effort's worktree, before merging.
            return await self._check(attempt, after_done=True)
        if state != "running":
            sh.notify(e.id, f"{state} while its agent ran")
            return state
        if sh.ws.worktrees:
            empty = await asyncio.to_thread(self._nothing_done, attempt)
            if empty:
                return await self._fail(attempt, empty)
        if not sh.ws.worktrees and not e.checks:
            # Nothing to check and nothing to merge: one event, not two.
            await sh.commit({"effort": e.id, "to": "done", "attempt": attempt,
                             "reason": "agent exited 0"})  # fmt: skip
            crash.point("done")
            sh.notify(e.id, "done")
            return "done"
        await sh.commit({"effort": e.id, "to": "checking", "attempt": attempt,
                         "reason": "agent exited 0"})  # fmt: skip
        crash.point("checking")
        return await self._check(attempt)

    def _nothing_done(self, attempt: int) -> str:
        """Why an attempt whose agent exited 0 still did not do its part ("" if it did): it
        committed and left nothing, or (resolving a conflict) left the merge unconcluded."""
        from phasegate.git.attempts import head
        from phasegate.git.worktrees import is_merged

        wt = self.sh.ws.worktree(self.e)
        start = self._start_of(attempt)
        if start is None or not wt.exists():
            return ""
        other = self._resolving(attempt)
        if other is not None and not is_merged(wt, other, "HEAD"):
            return f"conflict not resolved: the merge of {other} was not concluded"
        if head(wt) != start or self.e.allow_empty:
            return ""
        # Work of its own already on the branch (rolled-back work redone, an earlier attempt
        # continued) still merges; only a branch with nothing beyond its stack is empty.
        from phasegate.git.worktrees import changed_files

        sh = self.sh
        stacked = [sh.plan.branch_of(sh.plan.effort(d)) for d in self.e.depends_on if d in sh.ids]
        if changed_files(wt, "HEAD", [sh.plan.repo.base, *stacked]):
            return ""
        return "no changes: the agent exited 0 but committed and left nothing"

    def _resolving(self, attempt: int) -> str | None:
        """The branch a resolve attempt merges in; None for a work attempt."""
        for ev in self.store.events(effort=self.e.id, kinds=["effort.state"]):
            d = ev.data
            if ev.attempt == attempt and d.get("to") == "running" and d.get("kind") == "resolve":
                return str(ev.data.get("with") or self.sh.plan.repo.integration)
        return None

    def _keep_failed(self, attempt: int) -> None:
        """Set the work of a failed or rejected attempt aside under its attempt ref, recorded,
        so a retry can start from the stack without losing it."""
        if not self.sh.ws.worktrees:
            return
        from phasegate.git.attempts import keep_attempt

        wt = self.sh.ws.worktree(self.e)
        start = self._start_of(attempt)
        if not wt.exists() or start is None:
            return
        ref = keep_attempt(wt, self.e.id, attempt, start)
        if ref is not None:
            self.store.append(
                KEPT, effort=self.e.id, attempt=attempt, data={"ref": ref},
                key=f"kept:{self.e.id}:{attempt}",
            )  # fmt: skip

    async def _settled(self) -> str:
        """The effort's state once any `phasegate done` still running its checks finishes."""
        for _ in range(1200):
            state = self.store.effort(self.e.id).state
            if state != "checking":
                return state
            await asyncio.sleep(0.1)
        return self.store.effort(self.e.id).state

    def _keep_leftovers(self, attempt: int) -> None:
        from phasegate.git.worktrees import commit_leftover

        wt = self.sh.ws.worktree(self.e)
        if not wt.exists():
            return
        sha = commit_leftover(
            wt,
            f"phasegate: work left uncommitted by the agent of {self.e.id} (attempt {attempt})",
        )
        if sha:
            self.sh.notify(self.e.id, f"committed work the agent left uncommitted ({sha[:8]})")

    async def _interrupted(self, attempt: int, result: supervisor.AgentExit | None) -> str:
        """End an attempt the interruption cut short. Its work is kept, and it does not count
        against the effort's retries, so the next `phasegate run` simply tries it again."""
        sh, e = self.sh, self.e
        items: list[dict[str, object]] = []
        if result is not None:
            items.append(self._exited_item(attempt, result, interrupted=True))
            if sh.ws.worktrees:
                await asyncio.to_thread(self._keep_leftovers, attempt)
        reason = "interrupted: the run was stopped; 'phasegate run' tries it again"
        if not sh.stopping and e.id in sh.halted:
            reason = f"interrupted: {sh.halted[e.id]}"
        items.append({"effort": e.id, "to": "failed", "attempt": attempt, "reason": reason,
                      "data": {"lost": True, "interrupted": True}})  # fmt: skip
        await sh.commit(*items)
        sh.notify(e.id, reason)
        return "failed"

    def _exited_item(
        self, attempt: int, result: supervisor.AgentExit, **extra: object
    ) -> dict[str, object]:
        data = {"exit_code": result.exit_code, "duration": round(result.duration, 3),
                "timed_out": result.timed_out, **extra}  # fmt: skip
        return {"kind": "agent.exited", "effort": self.e.id, "attempt": attempt,
                "key": f"exit:{self.e.id}:{attempt}", "data": data}  # fmt: skip

    def _fail_item(self, attempt: int, reason: str) -> dict[str, object]:
        return {"effort": self.e.id, "to": "failed", "attempt": attempt, "reason": reason}

    async def _fail(self, attempt: int, reason: str) -> str:
        await asyncio.to_thread(self._keep_failed, attempt)
        await self.sh.commit(self._fail_item(attempt, reason))
        self.sh.notify(self.e.id, f"failed: {reason}")
        return "failed"

    async def _check(self, attempt: int, *, after_done: bool = False) -> str:
        sh, e = self.sh, self.e
        sha: str | None = None
        if sh.ws.worktrees:
            place = await asyncio.to_thread(align_head, sh.ws.worktree(e), sh.plan.branch_of(e))
            if place.sha is None:
                to = "rejected" if self.store.effort(e.id).state == "done" else "failed"
                self.store.transition(e.id, to, attempt=attempt, reason=place.problem)
                sh.notify(e.id, f"{to}: {place.problem}")
                return to
            sha = place.sha
            if place.moved:
                sh.notify(e.id, f"moved {sh.plan.branch_of(e)} to its worktree's HEAD {sha[:8]}")
        outcomes = await asyncio.to_thread(
            gates.run_checks, e.checks, cwd=sh.ws.effort_dir(e), extra_env=sh.ws.check_env(e)
        )
        for i, o in enumerate(outcomes):
            data = o.event_data("effort")
            if sha is not None:
                data["commit"] = sha  # the commit these checks judged: the one merged
            self.store.append(
                "check.result", effort=e.id, attempt=attempt, data=data,
                key=f"check:{e.id}:{attempt}:{i}",
            )  # fmt: skip
        crash.point("checked")
        if not all(o.passed for o in outcomes):
            reason = gates.failure_reason(outcomes)
            await asyncio.to_thread(self._keep_failed, attempt)
            self.store.transition(e.id, "rejected", attempt=attempt, reason=reason)
            sh.notify(e.id, f"rejected: {reason}")
            return "rejected"
        if not sh.ws.worktrees:
            if not after_done:
                self.store.transition(e.id, "done", attempt=attempt, reason="checks passed")
            crash.point("done")
            await self._verify_contracts(attempt, None)
            sh.notify(e.id, "done")
            return "done"
        return await self._merge(attempt, sha)

    async def _verify_contracts(self, attempt: int, commit: str | None) -> None:
        """The contracts this effort provides, judged where its work now is."""
        from phasegate.engine.contracts import verify_provided

        sh, e = self.sh, self.e
        # A command contract runs in the integration checkout: no merge may move it meanwhile.
        async with sh.git_lock:
            found = await asyncio.to_thread(verify_provided, sh.plan, self.store, sh.ws, e,
                                            attempt, commit)  # fmt: skip
        for ev in found:
            if not ev.ok:
                sh.notify(e.id, f"contract {ev.name} not delivered: {ev.why}")

    async def _contract_breaks(self, attempt: int) -> str | None:
        """Refuse a merge that would take away a contract another effort provides."""
        from phasegate.engine.contracts import find_breaks

        sh, e = self.sh, self.e
        reasons = await asyncio.to_thread(find_breaks, sh.plan, self.store, sh.ws, e)
        if not reasons:
            return None
        reason = "; ".join(reasons)
        self.store.transition(e.id, "conflicted", attempt=attempt, reason=reason,
                              data={"branch": sh.plan.branch_of(e), "kind": "contract"})  # fmt: skip
        sh.notify(e.id, f"conflicted: {reason}")
        return "conflicted"

    async def _merge(self, attempt: int, sha: str | None = None) -> str:
        sh, e = self.sh, self.e
        if not sh.ws.worktrees:
            return "done"
        if self.store.effort(e.id).merged:
            await self._verify_contracts(attempt, self.store.effort(e.id).merged_commit)
            return "done"
        branch = sh.plan.branch_of(e)
        if sha is None:
            sha = self._checked_sha(attempt, branch)
        drift = await self._conflict_check()
        if drift is not None and sh.plan.scope_of(e) == "reject":
            shown = ", ".join(drift.files[:10]) + (" ..." if len(drift.files) > 10 else "")
            reason = f"scope: changed {len(drift.files)} file(s) outside its files: {shown}"
            self.store.transition(
                e.id, "rejected", attempt=attempt, reason=reason,
                data={"files": list(drift.files), "scope": "reject"},
            )  # fmt: skip
            sh.notify(e.id, f"rejected: {reason}")
            return "rejected"
        if (refused := await self._contract_breaks(attempt)) is not None:
            return refused
        from phasegate.engine.integrity import MERGING, IntegrityError, guard
        from phasegate.git.merge import merge_done, restore

        reverted = self._reverted()
        async with sh.git_lock:
            assert sh.ws.repo is not None
            try:
                await asyncio.to_thread(guard, sh.ws.repo, sh.plan, self.store)
            except IntegrityError as err:
                sh.halt = str(err)
                sh.notify(e.id, f"not merged: {err}")
                return self.store.effort(e.id).state
            # The intent first: a merge git made before a crash is then recognised as ours.
            self.store.append(
                MERGING, effort=e.id, attempt=attempt, key=f"merging:{e.id}:{attempt}:{sha}",
                data={"sha": sha, "branch": branch, "restore": reverted or ""},
            )  # fmt: skip
            outcome = None
            restored = ""
            if reverted:
                outcome = await asyncio.to_thread(restore, sh.ws.integration, reverted, e.id)
                restored = outcome.commit or ""
            if outcome is None or outcome.ok:
                outcome = await asyncio.to_thread(
                    merge_done, sh.ws.integration, branch, e.id, e.title, sha
                )
        crash.point("merged-git")
        if not outcome.ok:
            reason = f"merge into {sh.plan.repo.integration}: {outcome.reason}"
            self.store.transition(
                e.id, "conflicted", attempt=attempt, reason=reason,
                data={"files": outcome.conflicts, "branch": branch,
                      "with": sh.plan.repo.integration},
            )  # fmt: skip
            sh.notify(e.id, f"conflicted: {reason}")
            return "conflicted"
        if self.store.effort(e.id).state != "done":
            self.store.transition(
                e.id, "done", attempt=attempt, reason="checks passed; merged",
                data={"commit": outcome.commit, "checked": sha},
            )  # fmt: skip
        crash.point("done")
        self.store.append(
            "effort.merged", effort=e.id, attempt=attempt, key=f"merged:{e.id}:{attempt}",
            data={"commit": outcome.commit, "into": sh.plan.repo.integration, "branch": branch,
                  "sha": sha, "restored": restored or None},
        )  # fmt: skip
        crash.point("merge-recorded")
        await self._verify_contracts(attempt, outcome.commit)
        sh.notify(e.id, f"done; merged into {sh.plan.repo.integration}")
        return "done"

    def _stop_requested(self, attempt: int) -> bool:
        return any(
            ev.attempt == attempt
            for ev in self.store.events(effort=self.e.id, kinds=["agent.stop_requested"])
        )

    async def _finish_stopping(
        self, attempt: int, pid: int | None, pid_start: float | None, exit_file: Path,
        started: float,
    ) -> str:  # fmt: skip
        """An interrupted run asked this attempt's agent to stop, and was gone before the
        agent was: what is left of its process group gets the rest of the way (SIGTERM,
        the grace period, SIGKILL), and the attempt ends interrupted."""
        now = supervisor.process_start(pid) if pid is not None else None
        if (
            pid is not None
            and pid_start is not None
            and (now == int(pid_start) or (now is None and supervisor.signal_group(pid, 0)))
        ):
            # Either the wrapper itself, or the group it led (a leader gone, its group still
            # there: its agent's shell died of the SIGTERM). A pid now leading some other
            # process is never signalled: only a dead leader's number can name its group.
            self.sh.notify(self.e.id, f"stopping what is left of its agent (group {pid})")
            handle = supervisor.Handle(pid, int(pid_start), exit_file, started)
            supervisor.request_stop(handle, self.grace)
            await supervisor.wait(handle, timeout=None, grace=self.grace)
        code = supervisor.read_exit(exit_file)
        result = supervisor.AgentExit(code, max(0.0, time.time() - started), False)
        await self._record_usage(attempt)
        return await self._interrupted(attempt, result)

    def _checked_sha(self, attempt: int, branch: str) -> str:
        """The commit this attempt's checks judged (a resumed merge), else the branch tip
        (an effort a person marked done before any check of phasegate's ran)."""
        kinds = ["check.result", "effort.state"]
        for ev in reversed(self.store.events(effort=self.e.id, kinds=kinds)):
            key = "commit" if ev.kind == "check.result" else "checked"
            if ev.attempt == attempt and ev.data.get(key):
                return str(ev.data[key])
        from phasegate.git import rev

        assert self.sh.ws.repo is not None
        return rev(f"refs/heads/{branch}", cwd=self.sh.ws.repo) or branch

    def _reverted(self) -> str | None:
        """The revert commit of a rollback of this effort not yet made good by a new merge."""
        last = None
        for ev in self.store.events(effort=self.e.id, kinds=["effort.merged", "effort.unmerged"]):
            last = ev
        if last is None or last.kind != "effort.unmerged":
            return None
        return str(last.data.get("revert_commit") or "") or None

    async def _conflict_check(self) -> Drift | None:
        """Trial merges against the integration branch and the other live branches, recorded
        as conflict findings for `phasegate conflicts` and the gates, before the real merge."""
        from phasegate.conflicts import (
            branch_drift,
            check_before_merge,
            record_drift,
            record_findings,
        )

        sh = self.sh
        views = self.store.efforts()
        live = [
            sh.plan.branch_of(x)
            for x in sh.plan.efforts
            if x.id != self.e.id
            and x.id in views
            and (views[x.id].state in {"running", "checking"}
                 or (views[x.id].state == "done" and not views[x.id].merged))
        ]  # fmt: skip
        repo = sh.ws.repo
        assert repo is not None
        findings = await asyncio.to_thread(
            check_before_merge, repo, sh.plan.branch_of(self.e), live, sh.plan.repo.integration
        )
        record_findings(self.store, findings, effort=self.e.id)
        for f in findings:
            if f.conflicting:
                sh.notify(self.e.id, f"trial merge with {f.b} conflicts in {', '.join(f.files)}")
        drift = await asyncio.to_thread(branch_drift, repo, sh.plan, self.e.id)
        if drift is not None:
            record_drift(self.store, drift, attempt=self.store.effort(self.e.id).attempt)
            shown = ", ".join(drift.files[:5]) + (" ..." if len(drift.files) > 5 else "")
            sh.notify(self.e.id, f"changed {len(drift.files)} file(s) outside its scope: {shown}")
        return drift

    def _handoffs(self) -> list[Handoff]:
        sh = self.sh
        out: list[Handoff] = []
        ids = sh.ids
        for d in self.e.depends_on:
            if d not in ids:
                continue
            dep = sh.plan.effort(d)
            branch = sh.plan.branch_of(dep)
            changed: list[str] = []
            if sh.ws.worktrees and sh.ws.repo is not None:
                from phasegate.git.worktrees import changed_files

                stacked_on = [sh.plan.branch_of(sh.plan.effort(x)) for x in dep.depends_on
                              if x in ids]  # fmt: skip
                changed = changed_files(sh.ws.repo, branch, [sh.plan.repo.base, *stacked_on])
            out.append(Handoff(d, dep.title, branch, sh.store.notes(d), changed))
        return out


def _unreadable_brief(command: str | list[str], brief: Path) -> str:
    """Why the agent could not read its brief ("" when it can): a shell command that leaves
    $PHASEGATE_BRIEF unquoted splits a path holding a space, and the agent would start
    with an empty prompt, and might even exit 0."""
    from phasegate.plan.shellvars import unquoted_uses

    if not brief.is_file():
        return f"brief cannot be read: {brief} does not exist"
    spaced = any(c.isspace() for c in str(brief))
    if spaced and isinstance(command, str) and unquoted_uses(command, "PHASEGATE_BRIEF"):
        return (
            f"brief cannot be read: its path has a space ({brief}) and the command leaves "
            '$PHASEGATE_BRIEF unquoted; write "$PHASEGATE_BRIEF"'
        )
    return ""
