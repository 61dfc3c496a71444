"""One attempt on a worker: stack the branch from the shared remote, run the agent through
its adapter exactly as the local executor does, heartbeat, run the effort's checks, push.

The attempt's agent is a process group of the worker's (engine/supervisor), recorded in
`running/` under the repo cache so a worker that restarts kills what a dead one left.
Pushing is fenced twice: the store must still name this attempt as the effort's latest,
and the remote branch must still be where it was when the attempt was handed out.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from phasegate.engine import supervisor
from phasegate.engine.workspace import Workspace
from phasegate.executors.spec import Result, Spec
from phasegate.plan.model import Effort, Plan
from phasegate.plan.refs import file_stem
from phasegate.store.types import Store
from phasegate.tracking.placement import PLACED

_TAIL = 16 * 1024
_T = TypeVar("_T")


@dataclass(frozen=True)
class Place:
    """Where this worker keeps one project's things."""

    root: Path

    @staticmethod
    def of(cache: Path, project: str) -> Place:
        return Place(cache / file_stem(project))

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def running(self, effort: str, attempt: int) -> Path:
        return self.root / "running" / f"{file_stem(effort)}.{attempt}"

    def plan_file(self, spec: Spec) -> Path:
        """The plan of a spec, by content: attempts of one plan version share the file."""
        digest = hashlib.sha256(spec.plan_text.encode()).hexdigest()[:16]
        path = self.root / "plans" / digest / spec.plan_name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(spec.plan_text)
            tmp.replace(path)
        return path


def load(path: Path) -> Plan:
    from phasegate.plan.load import load_plan

    return load_plan(str(path)).plan


class Refused(Exception):
    """The attempt may not push: a later attempt replaced it, or the branch moved."""


def fenced(store: Store, spec: Spec) -> str:
    """Why this attempt's work may no longer be pushed ("" when it may)."""
    latest = store.effort(spec.effort).attempt
    if latest != spec.attempt:
        return f"attempt {spec.attempt} of {spec.effort} was replaced by attempt {latest}"
    return ""


def push_work(store: Store, repo: Path, spec: Spec, start: str | None, tip: str) -> None:
    """Push the attempt's work: its attempt ref (its own, so never contested) first, then the
    effort branch under its lease; Refused when either may not be written."""
    from phasegate.git.attempts import attempt_ref
    from phasegate.git.remote import Update, push

    why = fenced(store, spec)
    if why:
        raise Refused(why)
    if tip != start:
        kept = push(repo, spec.remote, [Update(tip, attempt_ref(spec.effort, spec.attempt))])
        if not kept.ok:
            raise Refused(f"the remote refused the attempt ref: {kept.detail}")
    done = push(repo, spec.remote, [Update(tip, f"refs/heads/{spec.branch}", spec.lease)])
    if not done.ok:
        raise Refused(f"the remote refused the push: {done.detail}")


class AttemptRun:
    def __init__(
        self, spec: Spec, place: Place, store: Store, worker: str, heartbeat: Callable[[], None]
    ) -> None:
        self.spec = spec
        self.place = place
        self.store = store
        self.worker = worker
        self.heartbeat = heartbeat
        plan_path = place.plan_file(spec)
        self.plan = load(plan_path)
        self.e: Effort = self.plan.effort(spec.effort)
        self.ws = Workspace(
            self.plan, plan_path, place.state, store.location, worktrees=True,
            repo=place.repo, plan_rel=Path(spec.plan_rel),
        )  # fmt: skip

    def result(self, **kw: object) -> Result:
        return Result.model_validate({"worker": self.worker, **kw})

    # -- git -------------------------------------------------------------------------------

    def stack(self) -> tuple[str | None, dict[str, object] | None]:
        """The effort's branch in a fresh worktree: (start commit, None), or (None, the
        conflict) when the stack cannot be built."""
        from phasegate.git.attempts import head
        from phasegate.git.merge import stack
        from phasegate.git.remote import (
            drop_branch,
            fetch,
            init_cache,
            mirrored,
            reclaim,
            set_branch,
        )

        s, repo = self.spec, self.place.repo
        init_cache(repo)
        fetch(repo, s.remote)
        for name in [s.base, *(b for _, b in s.deps)]:
            sha = mirrored(repo, name)
            if sha is None:
                return None, {"reason": f"{name} is not on {s.remote}", "files": [], "branch": name}
            set_branch(repo, name, sha)
        wt = self.ws.worktree(self.e)
        keep = f"refs/phasegate/reclaimed/{file_stem(s.effort)}/{int(time.time())}"
        reclaim(repo, wt, keep)
        own = mirrored(repo, s.branch)
        if s.continue_branch and own is not None:
            set_branch(repo, s.branch, own)
        else:
            drop_branch(repo, s.branch)
        outcome = stack(repo, wt, s.branch, s.base, s.deps)
        if not outcome.ok:
            files = list(outcome.conflicts)
            return None, {"reason": outcome.reason, "files": files, "branch": outcome.branch}
        return head(wt), None

    def finish_git(self) -> tuple[str | None, bool]:
        """Commit what the agent left; (the branch's tip, whether the branch has work of its
        own beyond what it is stacked on: an earlier attempt's continued, say)."""
        from phasegate.git.attempts import head
        from phasegate.git.worktrees import changed_files, commit_leftover

        wt = self.ws.worktree(self.e)
        message = f"phasegate: work left uncommitted by the agent of {self.e.id} " + (
            f"(attempt {self.spec.attempt}, worker {self.worker})"
        )
        commit_leftover(wt, message)
        stacked = [self.spec.base, *(b for _, b in self.spec.deps)]
        return head(wt), bool(changed_files(wt, "HEAD", stacked))

    # -- the attempt -----------------------------------------------------------------------

    async def run(self, git_lock: asyncio.Lock) -> Result:
        """The attempt, heartbeating all along: stacking, the agent, the checks and the push
        all count, and a long test suite must not pass for a dead worker."""
        beat = asyncio.ensure_future(self._beat())
        try:
            return await self._run(git_lock)
        finally:
            beat.cancel()

    async def _beat(self) -> None:
        while True:
            self.heartbeat()
            await asyncio.sleep(1.0)

    async def _run(self, git_lock: asyncio.Lock) -> Result:
        self.ws.prepare()
        async with git_lock:
            start, conflict = await asyncio.to_thread(self.stack)
        if conflict is not None:
            return self.result(conflict=conflict)
        handle = await self.spawn()
        try:
            code, duration, timed_out, stopped = await self.watch(handle)
        except asyncio.CancelledError:
            # Stopped through Temporal: what the agent did is kept on the remote, as an
            # interrupted local attempt's work is kept in its worktree for the next run.
            await asyncio.shield(self._push(git_lock, start))
            raise
        tip, own = await self._locked(git_lock, self.finish_git)
        checks: list[dict[str, object]] = []
        if code == 0 and not timed_out and not stopped and (own or self.e.allow_empty):
            checks = await self.check()
        pushed, refused = await self._push(git_lock, start, tip)
        return self.result(
            start=start, tip=tip, own_changes=own, pushed=pushed, push_refused=refused,
            exit_code=code, duration=duration, timed_out=timed_out, stopped=stopped,
            checks=checks, usage=self.usage(), log_tail=self.tail(),
        )  # fmt: skip

    async def _locked(self, git_lock: asyncio.Lock, step: Callable[[], _T]) -> _T:
        # Other slots fetch into the same repository meanwhile: git locks refs, not queues.
        async with git_lock:
            return await asyncio.to_thread(step)

    async def _push(
        self, git_lock: asyncio.Lock, start: str | None, tip: str | None = None
    ) -> tuple[bool, str]:
        if tip is None:
            tip, _ = await self._locked(git_lock, self.finish_git)
        if tip is None:
            return False, "nothing to push"
        work = tip
        try:
            await self._locked(
                git_lock, lambda: push_work(self.store, self.place.repo, self.spec, start, work)
            )
        except Refused as err:
            return False, str(err)
        return True, ""

    async def spawn(self) -> supervisor.Handle:
        from phasegate.agents.attempt import invocation
        from phasegate.service.tokens import mint

        s, e, ws = self.spec, self.e, self.ws
        ws.brief(e.id, s.attempt).parent.mkdir(parents=True, exist_ok=True)
        ws.brief(e.id, s.attempt).write_text(s.brief)
        token = await asyncio.to_thread(mint, self.store, e.id, s.attempt)
        env = {**ws.agent_env(e, s.attempt), "PHASEGATE_TOKEN": token,
               "PHASEGATE_WORKER": self.worker}  # fmt: skip
        agent = invocation(self.plan, e, s.attempt, ws, self.store, env)
        handle = await supervisor.spawn(
            agent.argv, cwd=ws.effort_dir(e), env=agent.env, log=ws.log(e.id, s.attempt),
            exit_file=ws.exit_file(e.id, s.attempt),
        )  # fmt: skip
        mark = self.place.running(e.id, s.attempt)
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.write_text(f"{handle.pid} {handle.pid_start} {ws.exit_file(e.id, s.attempt)}\n")
        await asyncio.to_thread(
            self.store.append, PLACED, effort=e.id, attempt=s.attempt,
            key=f"placed:{e.id}:{s.attempt}",
            data={"worker": self.worker, "pid": handle.pid, "workflow": s.workflow},
        )  # fmt: skip
        return handle

    async def watch(self, handle: supervisor.Handle) -> tuple[int | None, float, bool, bool]:
        """Wait for the agent; stop it when the coordinator asks (a stop recorded in the
        store, or the workflow cancelled). (exit, duration, timed out, stopped)."""
        s = self.spec
        waiter = asyncio.ensure_future(supervisor.wait(handle, timeout=s.timeout, grace=s.grace))
        stopped = False
        try:
            while not waiter.done():
                if not stopped and await asyncio.to_thread(self.stop_asked):
                    handle.stop(s.grace)
                    stopped = True
                await asyncio.wait({waiter}, timeout=1.0)
        except BaseException:
            # Cancelled, or the store unreachable: the agent's whole group goes (SIGTERM, the
            # grace period, SIGKILL) before the attempt ends, never left running behind it.
            handle.stop(s.grace)
            await asyncio.shield(waiter)
            raise
        finally:
            self.place.running(s.effort, s.attempt).unlink(missing_ok=True)
        out = waiter.result()
        return out.exit_code, out.duration, out.timed_out, stopped

    def stop_asked(self) -> bool:
        s = self.spec
        if self.store.effort(s.effort).attempt != s.attempt:
            return True
        return any(
            ev.attempt == s.attempt
            for ev in self.store.events(effort=s.effort, kinds=["agent.stop_requested"])
        )

    async def check(self) -> list[dict[str, object]]:
        from phasegate import gates

        e, ws = self.e, self.ws
        outcomes = await asyncio.to_thread(
            gates.run_checks, e.checks, cwd=ws.effort_dir(e), extra_env=ws.check_env(e)
        )
        return [o.event_data("effort") for o in outcomes]

    def usage(self) -> dict[str, object] | None:
        from phasegate.agents.attempt import usage_item

        return usage_item(self.plan, self.e, self.spec.attempt, self.ws)

    def tail(self) -> str:
        log = self.ws.log(self.e.id, self.spec.attempt)
        try:
            with open(log, "rb") as f:
                size = f.seek(0, 2)
                f.seek(max(0, size - _TAIL))
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""


def kill_orphans(cache: Path) -> list[int]:
    """Kill the agent groups a previous worker process on this cache left running (it died
    without stopping them); returns the groups killed."""
    from phasegate.engine import reaper

    killed: list[int] = []
    for mark in sorted(cache.glob("*/running/*")):
        try:
            pid_s, start_s, exit_file = mark.read_text().split(maxsplit=2)
            pid, start = int(pid_s), int(start_s)
        except (OSError, ValueError):
            mark.unlink(missing_ok=True)
            continue
        tag = reaper.tag_of(Path(exit_file.strip()))
        # A wrapper still alive leads the agent's group; once it is gone its pid may name
        # some other process, so only what carries the attempt's tag is killed then.
        alive = supervisor.process_start(pid) == start
        found = reaper.kill_leftovers(pid if alive else 0, tag)
        if alive:
            supervisor.kill_group(pid)
        if alive or found:
            killed.append(pid)
        mark.unlink(missing_ok=True)
    return killed
