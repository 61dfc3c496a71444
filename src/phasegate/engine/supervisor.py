"""Supervising long-lived agent processes: spawn, watch, time out, adopt after a restart.

Each agent runs under a tiny `sh` wrapper that is the leader of a new process group. The
wrapper writes its pid to `<exit file>.pid` before starting the agent and the agent's exit
status to `<exit file>` after, so a restarted engine can tell what happened to an agent it
started before it died: still running (adopt it), finished (use its exit status), or never
started (run it again).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# `$0` is the exit file: one positional slot that cannot collide with the agent's argv.
_WRAPPER = 'echo $$ > "$0.pid"; "$@"; rc=$?; echo $rc > "$0"; exit $rc'
_POLL = 0.05


@dataclass(frozen=True)
class AgentExit:
    exit_code: int | None  # None: the agent vanished without leaving an exit status
    duration: float
    timed_out: bool


@dataclass
class Handle:
    """An agent process, started by this engine or adopted from an earlier one."""

    pid: int
    pid_start: int
    exit_file: Path
    started: float  # wall-clock time the attempt started
    child: Child | None = None

    def alive(self) -> bool:
        return process_start(self.pid) == self.pid_start


class Child:
    """The wrapper, as this engine's own child process.

    Its exit reaches the event loop through a pidfd, where the kernel has them, instead of
    through a watcher thread started for every agent; without one it is polled.
    """

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.pid = proc.pid
        self._exit: asyncio.Future[None] | None = None
        self._watched = False

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def _watch(self) -> asyncio.Future[None] | None:
        if self._watched:
            return self._exit
        self._watched = True
        try:
            fd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            return None
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def gone() -> None:
            loop.remove_reader(fd)
            os.close(fd)
            self.proc.wait()  # it has exited: this only reaps it
            if not fut.done():
                fut.set_result(None)

        loop.add_reader(fd, gone)
        self._exit = fut
        return fut

    async def exited(self, poll: float) -> bool:
        """Whether it has exited, waiting up to `poll` seconds for that."""
        if self.proc.poll() is not None:
            return True
        fut = self._watch()
        if fut is None:
            await asyncio.sleep(poll)
            return self.proc.poll() is not None
        try:
            await asyncio.wait_for(asyncio.shield(fut), poll)
        except TimeoutError:
            return False
        return True


def process_start(pid: int) -> int | None:
    """Start time of `pid` in clock ticks since boot, or None if it is gone or a zombie.

    Comparing it with the recorded value is what makes pid reuse harmless.
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def read_exit(exit_file: Path) -> int | None:
    try:
        return int(exit_file.read_text().strip())
    except (OSError, ValueError):
        return None


async def spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    exit_file: Path,
) -> Handle:
    log.parent.mkdir(parents=True, exist_ok=True)
    for stale in (exit_file, exit_file.with_name(exit_file.name + ".pid")):
        stale.unlink(missing_ok=True)
    started = time.time()
    with open(log, "ab") as out:
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", _WRAPPER, str(exit_file), *argv],
                cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as e:
            out.write(f"phasegate: cannot start agent: {e}\n".encode())
            exit_file.write_text("127\n")
            return Handle(-1, -1, exit_file, started)
    child = Child(proc)
    start = process_start(child.pid)
    return Handle(child.pid, start if start is not None else -1, exit_file, started, child)


def adopt(pid: int, pid_start: int, exit_file: Path, started: float) -> Handle | None:
    """A handle on a still-running agent of an earlier engine, or None if it is gone."""
    if process_start(pid) != pid_start:
        return None
    return Handle(pid, pid_start, exit_file, started)


def orphan(exit_file: Path, started: float) -> Handle | None:
    """Find an agent whose spawn was never recorded (the engine died right after starting it)."""
    try:
        pid = int(exit_file.with_name(exit_file.name + ".pid").read_text().strip())
    except (OSError, ValueError):
        return None
    start = process_start(pid)
    if start is None:
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if str(exit_file).encode() not in cmdline:
        return None  # the pid was reused by something else
    return Handle(pid, start, exit_file, started)


async def wait(handle: Handle, *, timeout: float | None, grace: float) -> AgentExit:
    """Wait for the agent; past `timeout` seconds (from its start) kill its whole group."""
    timed_out = False
    deadline = None if timeout is None else handle.started + timeout
    if handle.pid > 0:
        while True:
            if await _exited(handle, _POLL):
                break
            if deadline is not None and time.time() >= deadline:
                timed_out = True
                await terminate(handle, grace)
                break
        kill_group(handle.pid)  # background leftovers of the agent must not outlive it
    # The wrapper exits with the agent's status, so a child of this engine needs no file
    # read; the file is for agents adopted after a restart (and a wrapper killed before it
    # could write it has a status of its own).
    code = handle.child.returncode if handle.child is not None else None
    if code is None:
        code = read_exit(handle.exit_file)
    return AgentExit(code, time.time() - handle.started, timed_out)


async def _exited(handle: Handle, poll: float) -> bool:
    if handle.child is not None:
        return await handle.child.exited(poll)
    await asyncio.sleep(poll)
    return not handle.alive()


async def terminate(handle: Handle, grace: float) -> None:
    """SIGTERM to the group, `grace` seconds for the leader to go, then SIGKILL to the group."""
    _signal_group(handle.pid, signal.SIGTERM)
    end = time.monotonic() + grace
    while time.monotonic() < end:
        if await _exited(handle, _POLL):
            break
    kill_group(handle.pid)
    if handle.child is not None:
        while not await handle.child.exited(_POLL):
            pass


def kill_group(pgid: int) -> None:
    """SIGKILL every process of the group until none is left."""
    for _ in range(200):
        if not _signal_group(pgid, signal.SIGKILL):
            return
        time.sleep(0.005)


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True
