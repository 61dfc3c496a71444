"""The single entry point for running a subprocess to completion.

Long-lived, supervised processes (agents) go through phasegate.engine's supervisor, which
uses the same environment rules; everything else (git, checks) comes through `run`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

TAIL_BYTES = 4096
# Of a check's output, only this much (the end) is read back: enough for metrics and the
# tail, while a check printing gigabytes costs disk, not memory.
OUTPUT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tail(self, lines: int = 20, max_bytes: int = TAIL_BYTES) -> str:
        """The last `lines` lines of the output, and at most `max_bytes` of them: what is
        stored as a check's evidence, so one endless line cannot fill the store."""
        text = (self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr).rstrip()
        last = "\n".join(text[-(max_bytes * 4) :].splitlines()[-lines:])
        raw = last.encode("utf-8", "replace")
        if len(raw) <= max_bytes:
            return last
        return "..." + raw[-(max_bytes - 3) :].decode("utf-8", "ignore")


def shell_argv(command: str | Sequence[str]) -> list[str]:
    """A string runs through the shell; a list runs as it is."""
    if isinstance(command, str):
        return ["/bin/sh", "-c", command]
    return list(command)


def run(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float | None = None,
) -> Completed:
    """Run to completion in a new process group; on timeout the whole group is killed."""
    full_env = dict(os.environ if env is None else env)
    if extra_env:
        full_env.update(extra_env)
    start = time.monotonic()
    try:
        p = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        if cwd is not None and not os.path.isdir(cwd):
            # Popen reports a missing working directory just like a missing program.
            return Completed(tuple(argv), 1, "", f"no such directory: {cwd}", 0.0)
        return Completed(tuple(argv), 127, "", f"command not found: {argv[0]}", 0.0)
    except PermissionError:
        return Completed(tuple(argv), 126, "", f"permission denied: {argv[0]}", 0.0)
    try:
        out, err = p.communicate(input, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(p.pid)
        out, err = p.communicate()
        timed_out = True
    return Completed(tuple(argv), p.returncode, out, err, time.monotonic() - start, timed_out)


def run_reaped(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Completed:
    """Run a command (a check) to the end of its own process, then end its process group.

    Output goes to files, not pipes: a background child the command leaves (a server it
    started) would hold a pipe open, and reading to its end would wait for that child.
    Whatever of the group is left when the command exits is killed.
    """
    import tempfile

    full_env = dict(os.environ)
    if extra_env:
        full_env.update(extra_env)
    start = time.monotonic()
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        try:
            p = subprocess.Popen(
                list(argv), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                stdout=fo, stderr=fe, start_new_session=True,
            )  # fmt: skip
        except FileNotFoundError:
            if cwd is not None and not os.path.isdir(cwd):
                return Completed(tuple(argv), 1, "", f"no such directory: {cwd}", 0.0)
            return Completed(tuple(argv), 127, "", f"command not found: {argv[0]}", 0.0)
        except PermissionError:
            return Completed(tuple(argv), 126, "", f"permission denied: {argv[0]}", 0.0)
        timed_out = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        kill_group(p.pid)
        p.wait()
        out, err = _read_end(fo), _read_end(fe)
    return Completed(tuple(argv), p.returncode, out, err, time.monotonic() - start, timed_out)


def _read_end(f: IO[bytes]) -> str:
    size = f.seek(0, os.SEEK_END)
    f.seek(max(0, size - OUTPUT_BYTES))
    return f.read().decode("utf-8", "replace")


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
