"""Supervising long-lived agent processes: spawn, watch, time out, adopt after a restart.

Each agent runs under a tiny `sh` wrapper that is the leader of a new process group. The
wrapper writes its pid as the first line of the attempt's status file before starting the
agent, and appends the agent's exit status as the second line after, so a restarted engine
can tell what happened to an agent it started before it died: still running (adopt it),
finished (use its exit status), or never started (run it again). One file rather than a pid
file and an exit file: creating a file is the dearest thing a no-op agent's attempt does.
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

from phasegate.engine import reaper

# `$0` is the exit file: one positional slot that cannot collide with the agent's argv.
# The wrapper catches TERM (a caught signal, unlike an ignored one, is not inherited by the
# agent) so that it outlives the agent's grace period and still records its exit status;
# were it to die on the TERM sent to the group, the engine would take the group for gone and
# SIGKILL the agent at once.
_WRAPPER = 'trap : TERM; echo $$ > "$0"; "$@"; rc=$?; echo $rc >> "$0"; exit $rc'
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
    kill_at: float | None = None  # monotonic time: once asked to stop, SIGKILL from then on

    def alive(self) -> bool:
        return process_start(self.pid) == self.pid_start

    def stop(self, grace: float) -> None:
        request_stop(self, grace)

    def kill(self) -> None:
        kill_group(self.pid)


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


def _status(exit_file: Path) -> list[str]:
    """The status file's lines: [pid] while the agent runs, [pid, exit status] after."""
    try:
        lines = exit_file.read_text().split()
    except OSError:
        lines = []
    legacy = exit_file.with_name(exit_file.name + ".pid")
    if legacy.exists():
        # Written by an older wrapper, still at work across an upgrade: the pid had a file of
        # its own, and the exit file held only the exit status.
        try:
            pid = legacy.read_text().split()[:1]
        except OSError:
            pid = []
        return [*(pid or ["-"]), *lines[:1]]
    return lines


def launched(exit_file: Path) -> bool:
    """Whether the wrapper of this attempt got as far as starting (it wrote its pid)."""
    return bool(_status(exit_file))


def read_exit(exit_file: Path) -> int | None:
    lines = _status(exit_file)
    try:
        return int(lines[1]) if len(lines) > 1 else None
    except ValueError:
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
    exit_file.unlink(missing_ok=True)
    started = time.time()
    with open(log, "ab") as out:
        try:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", _WRAPPER, str(exit_file), *argv],
                cwd=cwd, env={**env, reaper.TAG: reaper.tag_of(exit_file)},
                stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as e:
            out.write(f"phasegate: cannot start agent: {e}\n".encode())
            exit_file.write_text("-\n127\n")  # no pid: nothing to adopt
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
    lines = _status(exit_file)
    try:
        pid = int(lines[0]) if lines else 0
    except ValueError:
        return None
    if pid <= 0:
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
    """Wait for the agent; past `timeout` seconds (from its start) stop its whole group.

    Once asked to stop (by the timeout or by `request_stop`), the group has `grace` seconds
    to go, counted for the whole group: an agent started through a shell loses its leader
    to SIGTERM at once, while the program it ran is still cleaning up.
    """
    timed_out = False
    deadline = None if timeout is None else handle.started + timeout
    if handle.pid > 0:
        while not await _exited(handle, _POLL):
            if handle.kill_at is None and deadline is not None and time.time() >= deadline:
                timed_out = True
                request_stop(handle, grace)
            if handle.kill_at is not None and time.monotonic() >= handle.kill_at:
                kill_group(handle.pid)
        while (
            handle.kill_at is not None
            and time.monotonic() < handle.kill_at
            and signal_group(handle.pid, 0)
        ):
            await asyncio.sleep(_POLL)
        # Background leftovers of the agent must not outlive it, in its group or not.
        reaper.kill_leftovers(handle.pid, reaper.tag_of(handle.exit_file))
        kill_group(handle.pid)
        reaper.reap_group(handle.pid)
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


def request_stop(handle: Handle, grace: float) -> None:
    """SIGTERM to the agent's group; `wait` sends SIGKILL to what is left after `grace`."""
    if handle.kill_at is None and handle.pid > 0:
        handle.kill_at = time.monotonic() + grace
        signal_group(handle.pid, signal.SIGTERM)


def kill_group(pgid: int) -> None:
    """SIGKILL every process of the group until none is left."""
    for _ in range(200):
        if not signal_group(pgid, signal.SIGKILL):
            return
        time.sleep(0.005)


def signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to the process group; False when no process of it is left."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True
