"""A Temporal dev server per test process, bare remotes, and `phasegate worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import temporalserver
from components import need


@pytest.fixture(scope="session")
def temporal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[temporalserver.Server]:
    why = temporalserver.missing()
    need("temporal", why is None, why or "")
    server = temporalserver.start(tmp_path_factory.mktemp("temporal"))
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen[bytes]
    cache: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


StartWorker = Callable[..., Worker]


@pytest.fixture
def workers(tmp_path: Path, temporal: temporalserver.Server) -> Iterator[StartWorker]:
    started: list[Worker] = []

    def start(name: str, queue: str, db: str, env: dict[str, str] | None = None,
              cache: Path | None = None, slots: int = 1) -> Worker:  # fmt: skip
        cache = cache or tmp_path / f"cache-{name}"
        log = tmp_path / f"worker-{name}.{len(started)}.log"
        argv = [sys.executable, "-m", "phasegate", "worker", "--temporal", temporal.address,
                "--queue", queue, "--repo-cache", str(cache), "--db", db, "--name", name,
                "--slots", str(slots)]  # fmt: skip
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                cwd=tmp_path,
            )  # fmt: skip
        w = Worker(name, proc, cache, log)
        started.append(w)
        deadline = time.monotonic() + 60
        while "on queue" not in w.output():
            assert proc.poll() is None, f"worker {name} exited: {w.output()}"
            assert time.monotonic() < deadline, f"worker {name} never started: {w.output()}"
            time.sleep(0.1)
        return w

    yield start
    for w in started:
        w.stop()


@pytest.fixture
def bare_remote(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    return remote
