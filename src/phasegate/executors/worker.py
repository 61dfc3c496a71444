"""`phasegate worker`: takes attempts from a Temporal task queue and runs them here.

Run one on every machine that should run agents, with git access to the plan's shared
remote and a way to the plan's store. Several attempts run at once up to `slots`; each has
its own worktree in the repo cache. SIGINT or SIGTERM stops taking work, cancels what is in
flight (its agents are stopped as a timeout stops them) and exits.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn

from temporalio import activity

from phasegate.errors import UsageError
from phasegate.executors.runner import AttemptRun, Place, kill_orphans
from phasegate.executors.spec import Result, Spec
from phasegate.executors.workflow import ACTIVITY, AttemptWorkflow


@dataclass(frozen=True)
class WorkerConfig:
    address: str
    namespace: str
    queue: str
    slots: int
    cache: Path
    db: str | None = None  # this machine's way to the store; else the coordinator's
    name: str = ""

    @property
    def identity(self) -> str:
        return self.name or f"{socket.gethostname()}:{os.getpid()}"


class Attempts:
    """The activity, with what every attempt of this worker shares."""

    def __init__(self, cfg: WorkerConfig) -> None:
        self.cfg = cfg
        # One repository per project in the cache: git commands on it take turns.
        self.locks: dict[Path, asyncio.Lock] = {}
        self.notes: list[str] = []

    @activity.defn(name=ACTIVITY)
    async def run(self, raw: dict[str, Any]) -> dict[str, Any]:
        spec = Spec.model_validate(raw)
        place = Place.of(self.cfg.cache, spec.project)
        lock = self.locks.setdefault(place.root, asyncio.Lock())
        db = self.cfg.db or spec.db
        store = await asyncio.to_thread(_open, db)
        try:
            job = AttemptRun(spec, place, store, self.cfg.identity, activity.heartbeat)
            print(f"{spec.workflow}: starting on {self.cfg.identity}", flush=True)
            result: Result = await job.run(lock)
        finally:
            await asyncio.to_thread(store.close)
        print(
            f"{spec.workflow}: exit {result.exit_code}, pushed {result.pushed}"
            + (f" ({result.push_refused})" if result.push_refused else ""),
            flush=True,
        )
        return result.model_dump(mode="json")


def _open(db: str) -> Any:
    from phasegate.store import is_server, open_store

    if not is_server(db):
        raise UsageError(f"the worker cannot reach the store {db}: give it --db postgresql://...")
    return open_store(db, state_dir=Path("."))


async def serve(cfg: WorkerConfig, ready: asyncio.Event | None = None) -> None:
    from temporalio.worker import Worker

    from phasegate.engine.reaper import become_subreaper
    from phasegate.executors.temporal import connect

    if cfg.slots < 1:
        raise UsageError("--slots must be at least 1")
    cfg.cache.mkdir(parents=True, exist_ok=True)
    hold = _claim(cfg.cache)
    # Agents' orphans become this process's children, so an attempt's end finds them.
    become_subreaper()
    killed = kill_orphans(cfg.cache)
    if killed:
        print(f"killed {len(killed)} agent group(s) a previous worker left: {killed}", flush=True)
    client = await connect(cfg.address, cfg.namespace)
    attempts = Attempts(cfg)
    worker = Worker(
        client,
        task_queue=cfg.queue,
        workflows=[AttemptWorkflow],
        activities=[attempts.run],
        max_concurrent_activities=cfg.slots,
        identity=cfg.identity,
        # Cancellation reaches an activity with the answer to a heartbeat: send them often.
        max_heartbeat_throttle_interval=timedelta(seconds=1),
        default_heartbeat_throttle_interval=timedelta(seconds=1),
        graceful_shutdown_timeout=timedelta(seconds=1),
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(
        f"worker {cfg.identity} on queue {cfg.queue} ({cfg.slots} slot(s)) at {cfg.address}, "
        f"cache {cfg.cache}",
        flush=True,
    )
    task = asyncio.ensure_future(worker.run())
    if ready is not None:
        ready.set()
    waiting = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        print("stopping: cancelling attempts in flight", flush=True)
        await worker.shutdown()
    waiting.cancel()
    await task
    hold.close()


def _claim(cache: Path) -> Any:
    """Hold the cache for this worker's life: another worker on it would take this one's
    running agents for orphans and kill them."""
    import fcntl

    hold = open(cache / ".worker.lock", "w")  # noqa: SIM115 - held open until the worker ends
    try:
        fcntl.flock(hold, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        hold.close()
        raise UsageError(
            f"another phasegate worker uses the repo cache {cache}: give each worker its own "
            "--repo-cache"
        ) from None
    return hold


def main(cfg: WorkerConfig) -> NoReturn:
    """Run the worker to the end and leave without the interpreter's own shutdown: the SDK's
    core threads can abort it after a clean run (temporalio/sdk-python#300). The exit hooks
    still run first (they are Python's, before any of that teardown)."""
    import atexit
    import sys

    code = 0
    try:
        asyncio.run(serve(cfg))
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        code = err.exit_code

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
