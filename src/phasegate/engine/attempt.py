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

from phasegate import gates
from phasegate.engine import crash, supervisor
from phasegate.engine.brief import Handoff, build
from phasegate.engine.commit import GroupCommit
from phasegate.engine.workspace import Workspace
from phasegate.errors import StateError
from phasegate.plan.expr import parse_duration
from phasegate.plan.model import Effort, Plan
from phasegate.proc import shell_argv
from phasegate.service.tokens import mint
from phasegate.store import Store
from phasegate.tracking.questions import answered

Notify = Callable[[str, str], None]  # (effort id, message)


@dataclass
class Shared:
    """What every effort task of one run shares."""

    plan: Plan
    store: Store
    ws: Workspace
    notify: Notify
    git_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    agents: dict[str, supervisor.Handle] = field(default_factory=dict)  # effort -> live agent
    # Set when the run is being interrupted: no agent starts any more, and the ones that end
    # meanwhile end interrupted rather than failed.
    stopping: bool = False
    ids: frozenset[str] = frozenset()  # every effort id of the plan
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
        if sh.ws.worktrees:
            deps = [d for d in e.depends_on if d in sh.ids]
            pairs = [(d, sh.plan.branch_of(sh.plan.effort(d))) for d in deps]
            from phasegate.git.merge import stack

            async with sh.git_lock:
                outcome = await asyncio.to_thread(
                    stack, sh.ws.repo or Path("."), sh.ws.worktree(e), sh.plan.branch_of(e),
                    sh.plan.repo.base, pairs,
                )  # fmt: skip
            if not outcome.ok:
                reason = f"stacked branch: {outcome.reason}"
                self.store.transition(
                    e.id, "conflicted", attempt=attempt, reason=reason,
                    data={"files": outcome.conflicts, "branch": outcome.branch},
                )  # fmt: skip
                sh.notify(e.id, f"conflicted: {reason}")
                return "conflicted"
        crash.point("stacked")
        brief = sh.ws.brief(e.id, attempt)
        from phasegate.engine.contracts import used_contracts

        used = await asyncio.to_thread(used_contracts, sh.plan, self.store, sh.ws, e)
        brief.write_text(build(sh.plan, e, handoffs=self._handoffs(), attempt=attempt,
                               worktrees=sh.ws.worktrees, earlier=self._earlier(attempt),
                               answers=answered(self.store, e.id), contracts=used))  # fmt: skip
        if sh.stopping:
            return await self._interrupted(attempt, None)
        command = e.command if e.command is not None else sh.plan.agents.command
        assert command is not None  # checked before the run starts
        log = sh.ws.log(e.id, attempt)
        # The agent's credential for the MCP server over HTTP, scoped to this attempt; only
        # its hash is stored, so it is recorded before the agent that carries it starts.
        env = {**sh.ws.agent_env(e, attempt), "PHASEGATE_TOKEN": mint(self.store, e.id, attempt)}
        handle = await supervisor.spawn(
            shell_argv(command), cwd=sh.ws.effort_dir(e), env=env,
            log=log, exit_file=sh.ws.exit_file(e.id, attempt),
        )  # fmt: skip
        crash.point("spawned")
        await sh.commit({
            "kind": "agent.spawned", "effort": e.id, "attempt": attempt,
            "key": f"spawn:{e.id}:{attempt}",
            "data": {"pid": handle.pid, "pid_start": handle.pid_start, "attempt": attempt,
                     "log": str(log)},
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
        if sh.stopping and handle.kill_at is not None:
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
        await self.sh.commit(self._fail_item(attempt, reason))
        self.sh.notify(self.e.id, f"failed: {reason}")
        return "failed"

    async def _check(self, attempt: int, *, after_done: bool = False) -> str:
        sh, e = self.sh, self.e
        outcomes = await asyncio.to_thread(
            gates.run_checks, e.checks, cwd=sh.ws.effort_dir(e), extra_env=sh.ws.check_env(e)
        )
        for i, o in enumerate(outcomes):
            self.store.append(
                "check.result", effort=e.id, attempt=attempt, data=o.event_data("effort"),
                key=f"check:{e.id}:{attempt}:{i}",
            )  # fmt: skip
        crash.point("checked")
        if not all(o.passed for o in outcomes):
            reason = gates.failure_reason(outcomes)
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
        return await self._merge(attempt)

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

    async def _merge(self, attempt: int) -> str:
        sh, e = self.sh, self.e
        if not sh.ws.worktrees:
            return "done"
        if self.store.effort(e.id).merged:
            await self._verify_contracts(attempt, self.store.effort(e.id).merged_commit)
            return "done"
        branch = sh.plan.branch_of(e)
        await self._conflict_check()
        if (refused := await self._contract_breaks(attempt)) is not None:
            return refused
        from phasegate.git.merge import merge_done, restore

        reverted = self._reverted()
        async with sh.git_lock:
            outcome = None
            if reverted:
                outcome = await asyncio.to_thread(restore, sh.ws.integration, reverted, e.id)
            if outcome is None or outcome.ok:
                outcome = await asyncio.to_thread(
                    merge_done, sh.ws.integration, branch, e.id, e.title
                )
        crash.point("merged-git")
        if not outcome.ok:
            reason = f"merge into {sh.plan.repo.integration}: {outcome.reason}"
            self.store.transition(
                e.id, "conflicted", attempt=attempt, reason=reason,
                data={"files": outcome.conflicts, "branch": branch},
            )  # fmt: skip
            sh.notify(e.id, f"conflicted: {reason}")
            return "conflicted"
        if self.store.effort(e.id).state != "done":
            self.store.transition(
                e.id, "done", attempt=attempt, reason="checks passed; merged",
                data={"commit": outcome.commit},
            )  # fmt: skip
        crash.point("done")
        self.store.append(
            "effort.merged", effort=e.id, attempt=attempt, key=f"merged:{e.id}:{attempt}",
            data={"commit": outcome.commit, "into": sh.plan.repo.integration, "branch": branch},
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
        return await self._interrupted(attempt, result)

    def _reverted(self) -> str | None:
        """The revert commit of a rollback of this effort not yet made good by a new merge."""
        last = None
        for ev in self.store.events(effort=self.e.id, kinds=["effort.merged", "effort.unmerged"]):
            last = ev
        if last is None or last.kind != "effort.unmerged":
            return None
        return str(last.data.get("revert_commit") or "") or None

    async def _conflict_check(self) -> None:
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

    def _earlier(self, attempt: int) -> list[str]:
        """Why each earlier attempt ended, with the output of the checks that failed it."""
        ended: dict[int, str] = {}
        outputs: dict[int, list[str]] = {}
        for ev in self.store.events(effort=self.e.id, kinds=["effort.state", "check.result"]):
            d, n = ev.data, ev.attempt
            if n is None or n >= attempt:
                continue
            if ev.kind == "effort.state" and d.get("to") in {"failed", "rejected", "conflicted"}:
                ended[n] = f"- Attempt {n} ended {d['to']}: {d.get('reason', '')}"
            elif ev.kind == "check.result" and not d.get("passed") and d.get("tail"):
                tail = [f"  {x}" for x in str(d["tail"]).rstrip().splitlines()]
                outputs.setdefault(n, []).extend(
                    [f"  Output of check '{d.get('name')}':", "  ```", *tail, "  ```"]
                )
        return [x for n in sorted(ended) for x in [ended[n], *outputs.get(n, [])]]

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
