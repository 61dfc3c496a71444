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

    def tail(self, lines: int = 20) -> str:
        text = (self.stdout + ("\n" if self.stdout and self.stderr else "") + self.stderr).rstrip()
        return "\n".join(text.splitlines()[-lines:])


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


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
