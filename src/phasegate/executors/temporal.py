"""The coordinator's side of the Temporal executor: each attempt is a workflow run by a
`phasegate worker` on another machine (or this one), found through the plan's shared remote.

The worker stacks the branch, runs the agent and the effort's checks, and pushes; everything
after that stays here, as with the local executor: recording the outcome, merging in
dependency order into the integration branch (then published to the remote), gating.
A workflow's id is `project/effort/attempt@store`, so starting one twice is refused by
Temporal and a coordinator restarted after a crash finds the one it had started.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from phasegate.engine import crash
from phasegate.engine.attempt import Attempt
from phasegate.engine.brief import build
from phasegate.engine.history import KEPT, history, render
from phasegate.errors import StateError, UsageError
from phasegate.executors.spec import Result, Spec, store_tag, workflow_id
from phasegate.plan.expr import parse_duration
from phasegate.plan.refs import file_stem

if TYPE_CHECKING:
    from temporalio.client import Client, WorkflowHandle

    from phasegate.engine.attempt import Shared
    from phasegate.plan.model import Effort, Plan

from phasegate.tracking.placement import PLACED, QUEUED

LOST = "the worker running it was lost (no heartbeat)"
# Attempts of one effort lost in a row before the next loss counts as a failure.
_MAX_LOST = 3
# Seconds an attempt may wait for a worker before the run says that none has taken it.
_UNTAKEN = 30.0


async def connect(address: str, namespace: str) -> Client:
    from temporalio.client import Client

    try:
        return await Client.connect(address, namespace=namespace)
    except RuntimeError as err:
        raise UsageError(
            f"cannot reach Temporal at {address} (namespace {namespace}): {err}; start the "
            "server, or set executor.address in the plan (or --temporal HOST:PORT)"
        ) from None


class RemoteRun:
    """A remote attempt at work: stopping it cancels its workflow, and the worker then stops
    the agent's process group (it also sees the stop request in the store)."""

    def __init__(self, handle: WorkflowHandle[Any, Any]) -> None:
        self.handle = handle
        self.cancel: asyncio.Future[None] | None = None

    def stop(self, grace: float) -> None:
        if self.cancel is None:
            self.cancel = asyncio.ensure_future(self.handle.cancel())
            # A cancel that fails (the workflow just ended) has nothing to say beyond that.
            self.cancel.add_done_callback(lambda f: f.cancelled() or f.exception())

    def kill(self) -> None:
        self.stop(0.0)


class TemporalExecutor:
    kind = "temporal"

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.client: Client | None = None
        self.remote = ""
        self.plan_text = ""
        self.tag = ""  # names the store in workflow ids

    def attempt(self, sh: Shared, effort: Effort) -> Attempt:
        return RemoteAttempt(sh, effort, self)

    async def open(self, sh: Shared) -> None:
        from phasegate.store import is_server

        cfg = self.plan.executor
        if not sh.ws.worktrees or sh.ws.repo is None:
            raise UsageError("executor temporal runs efforts on branches: drop --no-worktrees")
        if not self.plan.repo.remote:
            raise UsageError(
                "executor temporal needs repo.remote in the plan: a git URL or path every "
                "worker can fetch from and push to"
            )
        if not is_server(sh.ws.db):
            raise UsageError(
                "executor temporal needs a store every worker reaches: run with "
                "--db postgresql://... (agents on other machines report there)"
            )
        from phasegate.git.remote import absolute, publish
        from phasegate.store.owner import KIND

        owner = sh.store.events(kinds=[KIND])
        self.tag = store_tag(owner[0].ts, owner[0].data) if owner else "unbound"
        self.remote = absolute(self.plan.repo.remote, sh.ws.plan_path.parent)
        self.plan_text = sh.ws.plan_path.read_text()
        # Workers stack on the remote's base: it must be the base this run merges onto.
        done = await asyncio.to_thread(publish, sh.ws.repo, self.remote, self.plan.repo.base)
        if not done.ok:
            raise UsageError(
                f"cannot publish {self.plan.repo.base} to {self.remote}: {done.detail}; "
                "bring the two in line (pull or push) and run again"
            )
        self.client = await connect(cfg.address, cfg.namespace)

    async def close(self) -> None:
        self.client = None

    def queue_of(self, effort: Effort) -> str:
        return effort.runs_on or self.plan.executor.queue


class RemoteAttempt(Attempt):
    def __init__(self, sh: Shared, effort: Effort, ex: TemporalExecutor) -> None:
        super().__init__(sh, effort)
        self.ex = ex

    # -- entry points ----------------------------------------------------------------------

    async def resume(self) -> str:
        v = self.store.effort(self.e.id)
        if v.state == "done":
            # Done but not merged (a restart between the two, or a person's `done`): the
            # commit to merge is the checked one the store names, fetched from the remote.
            await self._git(self._sync)
            await self._git(self._fetch_attempt, v.attempt)
            return await self._merge(v.attempt)
        # Running or checking: Temporal kept the workflow, and it says how the attempt went.
        return await self._follow(v.attempt)

    # -- handing the attempt out -----------------------------------------------------------

    async def _from_running(self, attempt: int, handle: object) -> str:
        sh, e = self.sh, self.e
        await self._git(self._sync)
        earlier = history(self.store, e.id, attempt)
        earlier.continues = self._continues(attempt)
        text = build(sh.plan, e, handoffs=self._handoffs(), attempt=attempt, worktrees=True,
                     earlier=render(earlier), **await self._brief_extras())  # fmt: skip
        sh.ws.brief(e.id, attempt).write_text(text)  # the record of what the agent was told
        if sh.stopping or e.id in sh.halted:
            return await self._interrupted(attempt, None)
        return await self._hand_out(attempt, text, earlier.continues)

    async def _git(self, step: Callable[..., object], *args: Any) -> None:
        """A git step on this machine's repository, in turn with every other one of the run
        (fetches into the same refs, merges): git locks refs, it does not queue for them."""
        async with self.sh.git_lock:
            await asyncio.to_thread(step, *args)

    def _continues(self, attempt: int) -> bool:
        """Whether the attempt goes on from the branch as the remote has it: as on one
        machine, a retry starts from the stack unless `on_retry: continue`, or the attempt
        before it was lost (it never had its say)."""
        if attempt < 2 or self.sh.plan.agents.on_retry == "continue":
            return True
        prev = attempt - 1
        for ev in self.store.events(effort=self.e.id, kinds=["effort.state"]):
            if ev.attempt == prev and ev.data.get("to") in {"failed", "rejected"}:
                if not ev.data.get("lost"):
                    return False
                if self._start_of(prev) is None:
                    # Lost before anything came back: the branch is as the attempt before
                    # it left it, so go on as that attempt's successor would have.
                    return self._continues(prev)
                return True
        return True

    def _sync(self) -> None:
        """Fetch the remote's branches, and point the local effort branches at them: the
        handoffs, conflict checks and merges here read the work the workers pushed."""
        from phasegate.git.remote import fetch, follow, heads

        repo = self.sh.ws.repo
        assert repo is not None
        fetch(repo, self.ex.remote)
        remote, local = heads(repo)
        for x in self.sh.plan.efforts:
            branch = self.sh.plan.branch_of(x)
            sha = remote.get(branch)
            # A local branch with commits the remote lacks (a person's resolution) stays.
            if sha is not None and local.get(branch) != sha:
                follow(repo, branch, sha)

    async def _hand_out(self, attempt: int, brief: str, continues: bool) -> str:
        sh, e = self.sh, self.e
        from phasegate.git.remote import remote_sha

        branch = sh.plan.branch_of(e)
        assert sh.ws.repo is not None
        lease = await asyncio.to_thread(
            remote_sha, sh.ws.repo, self.ex.remote, f"refs/heads/{branch}"
        )  # fmt: skip
        spec = Spec(
            project=sh.plan.project, effort=e.id, attempt=attempt,
            workflow=workflow_id(sh.plan.project, e.id, attempt, self.ex.tag), remote=self.ex.remote,
            base=sh.plan.repo.base, branch=branch,
            deps=[(d, sh.plan.branch_of(sh.plan.effort(d))) for d in e.depends_on
                  if d in sh.ids],
            continue_branch=continues, lease=lease or "",
            plan_name=sh.ws.plan_path.name, plan_text=self.ex.plan_text,
            plan_rel=sh.ws.plan_rel.as_posix(), db=sh.ws.db, brief=brief,
            timeout=self.timeout, grace=self.grace,
        )  # fmt: skip
        handle = await self._start(spec)
        return await self._await_remote(attempt, handle)

    async def _start(self, spec: Spec) -> WorkflowHandle[Any, Any]:
        from temporalio.common import WorkflowIDReusePolicy
        from temporalio.exceptions import WorkflowAlreadyStartedError

        from phasegate.executors.workflow import WORKFLOW

        client = self._client()
        cfg = self.sh.plan.executor
        queue = self.ex.queue_of(self.e)
        # Long enough for the agent's own timeout and its checks; a lost worker is found by
        # its heartbeat long before.
        limit = (self.timeout or 7 * 86400.0) + 3600.0
        job = {"spec": spec.model_dump(mode="json"), "heartbeat": parse_duration(cfg.heartbeat),
               "limit": limit}  # fmt: skip
        try:
            handle: WorkflowHandle[Any, Any] = await client.start_workflow(
                WORKFLOW, job, id=spec.workflow, task_queue=queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )  # fmt: skip
        except WorkflowAlreadyStartedError:
            # Started by this coordinator before it crashed: that run is the attempt.
            handle = client.get_workflow_handle(spec.workflow)
        await self.sh.commit({
            "kind": QUEUED, "effort": self.e.id, "attempt": spec.attempt,
            "key": f"queued:{self.e.id}:{spec.attempt}",
            "data": {"executor": "temporal", "workflow": spec.workflow, "queue": queue},
        })  # fmt: skip
        self.sh.notify(self.e.id, f"handed to Temporal queue {queue} ({spec.workflow})")
        return handle

    def _client(self) -> Client:
        if self.ex.client is None:
            raise UsageError("the Temporal executor is not connected")
        return self.ex.client

    # -- following it ----------------------------------------------------------------------

    async def _follow(self, attempt: int) -> str:
        """After a restart: the attempt's workflow, if it was started; else hand it out."""
        from temporalio.service import RPCError, RPCStatusCode

        wid = workflow_id(self.sh.plan.project, self.e.id, attempt, self.ex.tag)
        handle = self._client().get_workflow_handle(wid)
        try:
            await handle.describe()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise self._unreachable(err) from None
            if self.store.effort(self.e.id).state == "running":
                return await self._from_running(attempt, None)
            # Checking, and Temporal no longer keeps the workflow (past its retention): what
            # came back is gone with it, so the attempt is lost and starts again.
            return await self._lose(attempt, "its workflow is no longer kept by Temporal")
        self.sh.notify(self.e.id, f"following its workflow {wid} again")
        return await self._await_remote(attempt, handle)

    def _unreachable(self, err: BaseException) -> StateError:
        """Temporal out of reach mid-run: the attempt is left as it is (its worker carries on),
        and the next run follows its workflow again."""
        return StateError(
            f"lost touch with Temporal at {self.sh.plan.executor.address} ({err}); "
            "'phasegate run' again follows the attempt's workflow"
        )

    async def _await_remote(self, attempt: int, handle: WorkflowHandle[Any, Any]) -> str:
        from temporalio.client import WorkflowFailureError
        from temporalio.service import RPCError

        sh, e = self.sh, self.e
        run = RemoteRun(handle)
        sh.agents[e.id] = run
        watch = asyncio.ensure_future(self._announce(attempt))
        try:
            raw = await handle.result()
        except WorkflowFailureError as err:
            return await self._failed_remotely(attempt, err, run)
        except RPCError as err:
            raise self._unreachable(err) from None
        finally:
            watch.cancel()
            sh.agents.pop(e.id, None)
        return await self._settle(attempt, Result.model_validate(raw))

    async def _announce(self, attempt: int) -> None:
        """Say which worker took the attempt, once it has (the worker records it); and say
        so when none has for a while: no worker may serve the effort's queue."""
        waited = 0.0
        while True:
            if waited == _UNTAKEN:
                queue = self.ex.queue_of(self.e)
                self.sh.notify(
                    self.e.id, f"no worker has taken it yet: is a 'phasegate worker --queue "
                    f"{queue}' running?"
                )  # fmt: skip
            found = await asyncio.to_thread(self.store.events, effort=self.e.id, kinds=[PLACED])
            for ev in found:
                if ev.attempt == attempt:
                    pid = ev.data.get("pid")
                    self.sh.notify(
                        self.e.id, f"agent running on {ev.data.get('worker')} (pid {pid})"
                    )
                    return
            await asyncio.sleep(0.5)
            waited += 0.5

    async def _failed_remotely(self, attempt: int, err: BaseException, run: RemoteRun) -> str:
        """The workflow ended without a result. Cancelled from here (a stop, a budget): the
        attempt ends interrupted. Its worker gone (no heartbeat: it died, or was shut down):
        the attempt is lost, which does not count against the effort's retries, and a new
        one starts at once on whichever worker takes it. Anything else (the worker could not
        fetch, say) is a failed attempt like any other, retried as the plan says."""
        from temporalio.exceptions import TimeoutError

        e = self.e
        causes: list[BaseException] = []
        c: BaseException | None = err
        while c is not None:
            causes.append(c)
            c = c.__cause__
        if self._stopped_here(attempt, run):
            return await self._interrupted(attempt, None)
        if self.store.effort(e.id).state != "running":
            return self.store.effort(e.id).state
        if any(getattr(x, "type", None) == "WorkerShutdown" for x in causes):
            return await self._lose(attempt, "its worker was shut down")
        if not any(isinstance(x, TimeoutError) for x in causes):
            return await self._fail(attempt, f"on the worker: {causes[-1]}")
        return await self._lose(attempt, LOST)

    def _stopped_here(self, attempt: int, run: RemoteRun | None) -> bool:
        """Whether this run (or the one before a restart) asked the attempt to stop."""
        sh = self.sh
        asked = run is not None and run.cancel is not None
        return asked or sh.stopping or self.e.id in sh.halted or self._stop_requested(attempt)

    async def _lose(self, attempt: int, why: str) -> str:
        """Record the attempt lost and start a new one at once, unless its attempts keep
        being lost: past _MAX_LOST in a row it fails as any attempt does, and the plan's
        retries decide (a test suite that outlives every heartbeat must not loop forever)."""
        e = self.e
        lost = 0
        for ev in reversed(self.store.events(effort=e.id, kinds=["effort.state"])):
            if ev.data.get("to") not in {"failed", "rejected"}:
                continue
            if not (ev.data.get("lost") and ev.data.get("executor") == "temporal"):
                break
            lost += 1
        if lost + 1 >= _MAX_LOST:
            return await self._fail(attempt, f"{why}; {lost + 1} attempts in a row were lost")
        self.store.transition(
            e.id, "failed", attempt=attempt, reason=f"attempt {attempt}: {why}",
            data={"lost": True, "executor": "temporal"},
        )  # fmt: skip
        self.sh.notify(e.id, f"attempt {attempt} lost: {why}; starting it again")
        return await self.start()

    # -- what came back --------------------------------------------------------------------

    async def _settle(self, attempt: int, r: Result) -> str:
        sh, e = self.sh, self.e
        state = self.store.effort(e.id).state
        if state not in {"running", "checking"}:
            sh.notify(e.id, f"{state} while its agent ran (on {r.worker})")
            return state
        self._keep_log(attempt, r)
        spawned = {"kind": "agent.spawned", "effort": e.id, "attempt": attempt,
                   "key": f"spawn:{e.id}:{attempt}",
                   "data": {"attempt": attempt, "start": r.start, "worker": r.worker,
                            "executor": "temporal",
                            "log": str(sh.ws.log(e.id, attempt))}}  # fmt: skip
        if r.conflict is not None:
            reason = f"stacked branch: {r.conflict.get('reason', '')}"
            await sh.commit(spawned)
            self.store.transition(
                e.id, "conflicted", attempt=attempt, reason=reason,
                data={"files": r.conflict.get("files", []), "branch": r.conflict.get("branch"),
                      "with": r.conflict.get("branch")},
            )  # fmt: skip
            sh.notify(e.id, f"conflicted: {reason}")
            return "conflicted"
        exited = {"kind": "agent.exited", "effort": e.id, "attempt": attempt,
                  "key": f"exit:{e.id}:{attempt}",
                  "data": {"exit_code": r.exit_code, "duration": round(r.duration, 3),
                           "timed_out": r.timed_out, "worker": r.worker}}  # fmt: skip
        items: list[dict[str, object]] = [spawned]
        if r.usage is not None:
            items.append(r.usage)
        if r.stopped and self._stopped_here(attempt, None):
            await sh.commit(*items)
            return await self._interrupted(attempt, None)
        failure = self._failure(attempt, r)
        if failure is not None:
            await sh.commit(*items, exited)
            await self._git(self._fetch_kept, attempt)
            return await self._fail(attempt, failure)
        if state == "running":
            to = "checking" if e.checks else "done"
            # The commit judged is named now: a restart before the merge merges that one.
            await sh.commit(*items, exited, {"effort": e.id, "to": to, "attempt": attempt,
                                             "reason": "agent exited 0", "expect": "running",
                                             "data": {"checked": r.tip}})  # fmt: skip
            crash.point("exit-recorded")
        for i, data in enumerate(r.checks):
            self.store.append(
                "check.result", effort=e.id, attempt=attempt, data={**data, "commit": r.tip},
                key=f"check:{e.id}:{attempt}:{i}",
            )  # fmt: skip
        crash.point("checked")
        if not r.checks_passed:
            # Worded as gates.failure_reason words a local attempt's.
            bad = [f"check '{c.get('name')}' failed ({c.get('why')})" for c in r.checks
                   if not c.get("passed")]  # fmt: skip
            await self._git(self._fetch_kept, attempt)
            reason = "; ".join(bad)
            self.store.transition(e.id, "rejected", attempt=attempt, reason=reason)
            sh.notify(e.id, f"rejected: {reason}")
            return "rejected"
        await self._git(self._take_branch, r, attempt)
        return await self._merge(attempt, r.tip)

    def _failure(self, attempt: int, r: Result) -> str | None:
        if not r.pushed:
            return f"the work of attempt {attempt} did not reach {self.ex.remote}: {r.push_refused}"
        if r.timed_out:
            return f"agent timed out after {self.timeout:g}s on {r.worker}; process group killed"
        if r.exit_code != 0:
            code = "no exit status" if r.exit_code is None else f"exit {r.exit_code}"
            return f"agent failed ({code}) on {r.worker}; log {self.sh.ws.log(self.e.id, attempt)}"
        if r.tip == r.start and not r.own_changes and not self.e.allow_empty:
            return "no changes: the agent exited 0 but committed and left nothing"
        return None

    def _keep_log(self, attempt: int, r: Result) -> None:
        """The end of the agent's log, kept here: briefs of retries and `phasegate log` read
        it as they read a local agent's."""
        log = self.sh.ws.log(self.e.id, attempt)
        log.parent.mkdir(parents=True, exist_ok=True)
        if not log.exists():
            log.write_text(f"[worker {r.worker}; the log's last part]\n{r.log_tail}")

    def _fetch_kept(self, attempt: int) -> None:
        """The failed attempt's work, which the worker pushed to its attempt ref, fetched here
        and recorded, as a failed local attempt's is."""
        ref = self._fetch_attempt(attempt)
        if ref is not None:
            self.store.append(
                KEPT, effort=self.e.id, attempt=attempt, data={"ref": ref},
                key=f"kept:{self.e.id}:{attempt}",
            )  # fmt: skip

    def _fetch_attempt(self, attempt: int) -> str | None:
        """The attempt's own ref from the remote: its commit, even once the branch moved on.
        The ref's name, or None when the remote has none (the attempt added nothing)."""
        from phasegate.git.attempts import attempt_ref
        from phasegate.git.remote import fetch_ref

        repo = self.sh.ws.repo
        assert repo is not None
        ref = attempt_ref(self.e.id, attempt)
        return ref if fetch_ref(repo, self.ex.remote, ref, ref) is not None else None

    def _take_branch(self, r: Result, attempt: int) -> None:
        """The effort branch here, at exactly the commit the worker checked and pushed."""
        from phasegate.git.remote import fetch, follow, mirrored

        repo = self.sh.ws.repo
        assert repo is not None and r.tip is not None
        branch = self.sh.plan.branch_of(self.e)
        fetch(repo, self.ex.remote)
        self._fetch_attempt(attempt)
        if mirrored(repo, branch) != r.tip:
            # Moved on the remote since (a later attempt, a person): this attempt's commit
            # is still what was checked, and what is merged.
            self.sh.notify(self.e.id, f"{branch} moved on {self.ex.remote}; merging {r.tip[:8]}")
        keep = f"refs/phasegate/local/{file_stem(self.e.id)}/{int(time.time())}"
        follow(repo, branch, r.tip, keep)

    async def _merge(self, attempt: int, sha: str | None = None) -> str:
        state = await super()._merge(attempt, sha)
        if state == "done":
            await self._git(self._publish)
        return state

    def _publish(self) -> None:
        """The merged branch (a person's resolution may exist only here) and the integration
        branch, fast-forwarded on the remote: the workers stack dependents on the former."""
        from phasegate.git.remote import publish

        repo = self.sh.ws.repo
        assert repo is not None
        for branch in (self.sh.plan.branch_of(self.e), self.sh.plan.repo.integration):
            done = publish(repo, self.ex.remote, branch)
            if not done.ok:
                self.sh.notify(self.e.id, f"{branch} not published to the remote: {done.detail}")
